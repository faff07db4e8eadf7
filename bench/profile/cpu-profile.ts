import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that the summary reads. */
const CallFrame = t.type({ functionName: t.string, url: t.string, lineNumber: t.number });
const ProfileNode = t.intersection([
  t.type({ id: t.number, callFrame: CallFrame }),
  t.partial({ children: t.array(t.number) }),
]);
export const CpuProfile = t.type({
  nodes: t.array(ProfileNode),
  samples: t.array(t.number),
  timeDeltas: t.array(t.number),
  startTime: t.number,
  endTime: t.number,
});
export type CpuProfile = t.TypeOf<typeof CpuProfile>;
export type ProfileNode = t.TypeOf<typeof ProfileNode>;

export function decodeCpuProfile(text: string): CpuProfile {
  const decoded = CpuProfile.decode(JSON.parse(text));
  if (E.isLeft(decoded)) throw new Error('not a V8 CPU profile');
  return decoded.right;
}
