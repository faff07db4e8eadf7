import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { assertNever } from './assert-never';
import {
  decodeClientAction,
  decodeFaultRequest,
  decodeForcedStatus,
  decodeRateSetting,
  decodeRetentionSetting,
  decodeStreamGroupRequest,
  decodeTransitionSetting,
} from './control-decoders';
import { type ClientAction, REGION_PARAMETER, type SessionSummary } from './control-types';
import type { EmulatedRegions } from './emulated-regions';
import type { BodyReadResult } from './http-body';
import { newStreamGroupId } from './ids';
import type { TransitionRefused } from './lifecycle';
import { describeJsonBodyProblem, type JsonObject, parseJsonObject } from './json-body';
import { isOperationName, OPERATION_NAMES } from './operations';
import type { RegionState } from './region-state';
import { decodeLabel, type Label, labelText } from './router';
import type { StreamGroup, StreamSession } from './stream-session';

/** Every control path starts with this; no AWS route does. */
export const CONTROL_PATH_PREFIX = '/_emulator';

export const isControlPath = (rawPath: string): boolean =>
  rawPath === CONTROL_PATH_PREFIX || rawPath.startsWith(`${CONTROL_PATH_PREFIX}/`);

export interface ControlRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly body: BodyReadResult;
}

/** A control answer: JSON body, or none for 204. `allow` is set on 405 answers. */
export interface ControlResponse {
  readonly status: number;
  readonly body: object | undefined;
  readonly allow?: string;
}

type SessionPath = { readonly group: Label; readonly session: Label };

type ControlRoute =
  | { readonly kind: 'reset' }
  | { readonly kind: 'create-stream-group' }
  | ({ readonly kind: 'set-client' } & SessionPath)
  | ({ readonly kind: 'force-status' } & SessionPath)
  | { readonly kind: 'set-transitions' }
  | { readonly kind: 'set-retention' }
  | { readonly kind: 'set-rate' }
  | { readonly kind: 'inject-fault' }
  | { readonly kind: 'clear-faults' }
  | { readonly kind: 'counters' }
  | { readonly kind: 'requests' };

type RouteMatch =
  | { readonly kind: 'matched'; readonly route: ControlRoute }
  | { readonly kind: 'no-such-path' }
  | { readonly kind: 'wrong-method'; readonly allow: string };

const byMethod = (method: string, routes: Readonly<Record<string, ControlRoute>>): RouteMatch => {
  const route = Object.prototype.hasOwnProperty.call(routes, method) ? routes[method] : undefined;
  return route === undefined
    ? { kind: 'wrong-method', allow: Object.keys(routes).join(', ') }
    : { kind: 'matched', route };
};

const matchControlRoute = (method: string, rawPath: string): RouteMatch => {
  const segments = rawPath.slice(CONTROL_PATH_PREFIX.length).split('/').slice(1);
  const [first, group, sessions, session, leaf] = segments;
  if (segments.length === 1) {
    switch (first) {
      case 'reset':
        return byMethod(method, { POST: { kind: 'reset' } });
      case 'stream-groups':
        return byMethod(method, { POST: { kind: 'create-stream-group' } });
      case 'transitions':
        return byMethod(method, { PUT: { kind: 'set-transitions' } });
      case 'retention':
        return byMethod(method, { PUT: { kind: 'set-retention' } });
      case 'rates':
        return byMethod(method, { PUT: { kind: 'set-rate' } });
      case 'faults':
        return byMethod(method, { POST: { kind: 'inject-fault' }, DELETE: { kind: 'clear-faults' } });
      case 'counters':
        return byMethod(method, { GET: { kind: 'counters' } });
      case 'requests':
        return byMethod(method, { GET: { kind: 'requests' } });
      default:
        return { kind: 'no-such-path' };
    }
  }
  if (
    segments.length === 5 &&
    first === 'stream-groups' &&
    group !== undefined &&
    sessions === 'stream-sessions' &&
    session !== undefined
  ) {
    const path: SessionPath = { group: decodeLabel(group), session: decodeLabel(session) };
    switch (leaf) {
      case 'client':
        return byMethod(method, { POST: { kind: 'set-client', ...path } });
      case 'status':
        return byMethod(method, { PUT: { kind: 'force-status', ...path } });
      default:
        return { kind: 'no-such-path' };
    }
  }
  return { kind: 'no-such-path' };
};

const json = (status: number, body: object): ControlResponse => ({ status, body });
const empty = (status: number): ControlResponse => ({ status, body: undefined });
const failure = (status: number, message: string): ControlResponse => ({ status, body: { message } });

/** A setting that decoded is applied and echoed; one that did not is a 400 naming the problem. */
const applied = <Setting extends object>(
  decoded: E.Either<string, Setting>,
  apply: (setting: Setting) => void,
): ControlResponse =>
  pipe(
    decoded,
    E.match(
      (message) => failure(400, message),
      (setting) => {
        apply(setting);
        return json(200, setting);
      },
    ),
  );

const sessionSummary = (session: StreamSession): SessionSummary => ({
  id: session.id,
  arn: session.arn,
  status: session.status,
  statusReason: session.statusReason,
});

/**
 * The emulator's test-control endpoints. Synchronous once the body is read; every outcome is a response value. Each
 * call acts on one emulated region, `?region=` or the default, except a reset that names none, which resets them all.
 */
export class ControlApi {
  constructor(private readonly regions: EmulatedRegions) {}

  handle(request: ControlRequest): ControlResponse {
    const match = matchControlRoute(request.method, request.rawPath);
    switch (match.kind) {
      case 'no-such-path':
        return failure(404, `No control endpoint at ${request.rawPath.slice(0, 256)}.`);
      case 'wrong-method':
        return { status: 405, body: { message: `Use ${match.allow} on ${request.rawPath}.` }, allow: match.allow };
      case 'matched':
        return this.withBody(request, match.route);
      default:
        return assertNever(match);
    }
  }

  private withBody(request: ControlRequest, route: ControlRoute): ControlResponse {
    const { body } = request;
    switch (body.kind) {
      case 'aborted':
        return failure(400, 'The request body was not received completely.');
      case 'too-large':
        return failure(413, `The request body exceeds ${body.limitBytes} bytes.`);
      case 'complete':
        return pipe(
          parseJsonObject(body.text),
          E.match(
            (problem) => failure(400, describeJsonBodyProblem(problem)),
            (parsed) => this.dispatch(route, parsed, request.query),
          ),
        );
      default:
        return assertNever(body);
    }
  }

  private dispatch(route: ControlRoute, body: JsonObject, query: URLSearchParams): ControlResponse {
    const named = query.get(REGION_PARAMETER);
    // A reset that names no region resets them all, so one call between tests leaves every region clean.
    if (route.kind === 'reset' && named === null) {
      this.regions.resetAll();
      return empty(204);
    }
    const state = named === null ? this.regions.defaultRegion : this.regions.find(named);
    return state === undefined
      ? failure(404, `No emulated region has that name; this emulator serves ${this.regions.names.join(', ')}.`)
      : this.dispatchIn(state, route, body, query);
  }

  private dispatchIn(
    state: RegionState,
    route: ControlRoute,
    body: JsonObject,
    query: URLSearchParams,
  ): ControlResponse {
    switch (route.kind) {
      case 'reset':
        state.reset();
        return empty(204);
      case 'create-stream-group':
        return this.createStreamGroup(state, body);
      case 'set-client':
        return this.setClient(state, route, body);
      case 'force-status':
        return this.forceStatus(state, route, body);
      case 'set-transitions':
        return applied(decodeTransitionSetting(body), (setting) => state.setTransitionDelay(setting.delayMs));
      case 'set-retention':
        return applied(decodeRetentionSetting(body), (setting) =>
          state.setEndedSessionRetention(setting.endedSessionRetentionMs),
        );
      case 'set-rate':
        return applied(decodeRateSetting(body), (setting) => state.throttle.setLimit(setting.operation, setting));
      case 'inject-fault':
        return pipe(
          decodeFaultRequest(body),
          E.match(
            (message) => failure(400, message),
            (request) => json(201, { id: state.faults.add(request) }),
          ),
        );
      case 'clear-faults':
        state.faults.clear();
        return empty(204);
      case 'counters':
        return json(200, state.counters.snapshot());
      case 'requests':
        return this.recordedRequests(state, query);
      default:
        return assertNever(route);
    }
  }

  /** Idempotent: an existing id answers 200 with the group instead of 201, so start-up seeding can be repeated. */
  private createStreamGroup(state: RegionState, body: JsonObject): ControlResponse {
    return pipe(
      decodeStreamGroupRequest(body),
      E.match(
        (message) => failure(400, message),
        ({ id }) => {
          const { group, created } = state.store.ensureStreamGroup(id ?? this.unusedStreamGroupId(state));
          return json(created ? 201 : 200, { id: group.id, arn: group.arn });
        },
      ),
    );
  }

  private setClient(state: RegionState, path: SessionPath, body: JsonObject): ControlResponse {
    return pipe(
      decodeClientAction(body),
      E.match(
        (message) => failure(400, message),
        (action) =>
          this.withSession(state, path, (session) =>
            pipe(
              this.clientTransition(state, session, action),
              E.match(
                (refused) => failure(409, refused.message),
                () => json(200, sessionSummary(session)),
              ),
            ),
          ),
      ),
    );
  }

  private clientTransition(
    state: RegionState,
    session: StreamSession,
    action: ClientAction,
  ): E.Either<TransitionRefused, void> {
    switch (action) {
      case 'connect':
        return state.lifecycle.connectClient(session);
      case 'drop':
        return state.lifecycle.dropClient(session);
      default:
        return assertNever(action);
    }
  }

  private forceStatus(state: RegionState, path: SessionPath, body: JsonObject): ControlResponse {
    return pipe(
      decodeForcedStatus(body),
      E.match(
        (message) => failure(400, message),
        ({ status, statusReason }) =>
          this.withSession(state, path, (session) => {
            state.lifecycle.force(session, status, statusReason);
            return json(200, sessionSummary(session));
          }),
      ),
    );
  }

  private recordedRequests(state: RegionState, query: URLSearchParams): ControlResponse {
    const operation = query.get('operation') ?? undefined;
    if (operation !== undefined && !isOperationName(operation)) {
      return failure(400, `"operation" must be one of ${OPERATION_NAMES.join(', ')}`);
    }
    return json(200, { requests: state.requestLog.list(operation) });
  }

  private withSession(
    state: RegionState,
    path: SessionPath,
    act: (session: StreamSession) => ControlResponse,
  ): ControlResponse {
    const group = this.findGroup(state, path.group);
    if (group === undefined) {
      return failure(404, `Stream group ${labelText(path.group)} was not found.`);
    }
    const session =
      path.session.kind === 'decoded' ? state.store.findStreamSession(group, path.session.value) : undefined;
    return session === undefined
      ? failure(404, `Stream session ${labelText(path.session)} was not found in stream group ${group.id}.`)
      : act(session);
  }

  private findGroup(state: RegionState, label: Label): StreamGroup | undefined {
    return label.kind === 'decoded' ? state.store.findStreamGroup(label.value) : undefined;
  }

  private unusedStreamGroupId(state: RegionState): string {
    let id = newStreamGroupId();
    while (state.store.hasStreamGroup(id)) {
      id = newStreamGroupId();
    }
    return id;
  }
}
