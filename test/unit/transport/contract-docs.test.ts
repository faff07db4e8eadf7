import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { status } from '@grpc/grpc-js';

import type { ErrorDetails } from '../../../src/contract/error-details';
import type { ServiceFailure, ServiceFailureTag } from '../../../src/domain/outcomes';
import { defectStatus, statusOf, type StatusReport } from '../../../src/transport/outcome-status';
import { EVERY_FAILURE_TAG } from '../../support/failure-tags';

/** The repository's root, from this file's compiled place in dist/test/unit/transport/. */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

const target = { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' };
const upstream = { target, message: 'AWS says no', requestId: 'req-1234' };

/** One example of every failure, and the defect: every status the service itself answers with. */
const EXAMPLES: ReadonlyArray<ServiceFailure> = [
  { _tag: 'InvalidRequest', violations: [{ field: 'signal_request', description: 'is required' }] },
  { _tag: 'UpstreamValidation', upstream },
  { _tag: 'UpstreamAccessDenied', upstream },
  { _tag: 'UpstreamResourceNotFound', upstream },
  { _tag: 'UpstreamConflict', upstream },
  { _tag: 'UpstreamThrottling', upstream },
  { _tag: 'UpstreamInternalServer', upstream },
  { _tag: 'UpstreamUnmodelled', target, name: 'NewException', message: 'new', requestId: 'req-1234', httpStatus: 400 },
  { _tag: 'UpstreamUnreachable', target, reason: 'ECONNRESET' },
  { _tag: 'UpstreamClientMisconfigured', name: 'CredentialsProviderError' },
  { _tag: 'Unauthenticated', problem: 'MissingCredentials' },
  { _tag: 'CallerNotAllowed', caller: 'lobby', target },
  { _tag: 'NotSessionOwner', target },
  { _tag: 'ReconnectInProgress', target },
  { _tag: 'AdmissionRefused', cause: 'QueueFull', retryAfterMs: 100, ratePerSecond: 20 },
  { _tag: 'AdmissionRefused', cause: 'DeadlineUnmeetable', retryAfterMs: 100, ratePerSecond: 20 },
  { _tag: 'DeadlineExceeded', budgetMs: 10_000 },
  { _tag: 'Cancelled' },
  { _tag: 'TooManyWatchStreams', caller: 'lobby', limit: 32 },
  { _tag: 'StreamGroupNotFound', streamGroupIdentifier: 'sg-1AB2C3De4' },
  { _tag: 'WatchPollAccessDenied', streamGroupIdentifier: 'sg-1AB2C3De4' },
  { _tag: 'WatchPollsFailing', streamGroupIdentifier: 'sg-1AB2C3De4', detail: '10 polls in a row failed' },
  { _tag: 'WatchFeedGap', streamGroupIdentifier: 'sg-1AB2C3De4' },
  { _tag: 'ShuttingDown' },
  { _tag: 'WatchFellBehind', bufferMessages: 1000 },
];
const REPORTS: ReadonlyArray<StatusReport> = [...EXAMPLES.map((failure) => statusOf(failure)), defectStatus('id-1')];

const DETAIL_NAMES: Readonly<Record<Exclude<keyof ErrorDetails, 'errorInfo'>, string>> = {
  badRequest: 'BadRequest',
  resourceInfo: 'ResourceInfo',
  preconditionFailure: 'PreconditionFailure',
  retryInfo: 'RetryInfo',
  quotaFailure: 'QuotaFailure',
  requestInfo: 'RequestInfo',
};

const DETAIL_KEYS = [
  'badRequest',
  'resourceInfo',
  'preconditionFailure',
  'retryInfo',
  'quotaFailure',
  'requestInfo',
] as const;

function detailNamesOf(report: StatusReport): string[] {
  return DETAIL_KEYS.filter((key) => report.details[key] !== undefined)
    .map((key) => DETAIL_NAMES[key])
    .sort();
}

const codeName = (code: status): string => status[code];
const codeOfReason = new Map(REPORTS.map((report) => [report.details.errorInfo.reason, codeName(report.code)]));
const CODE_NAMES = new Set(Object.keys(status).filter((key) => Number.isNaN(Number(key))));

/** The backticked words of a markdown table row's cells. */
function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

function documents(): ReadonlyArray<{ readonly file: string; readonly text: string }> {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.join('docs', file));
  return ['README.md', ...docs].map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));
}

describe('the contract as the docs state it, checked against the code', () => {
  it('covers every failure the service can answer with', () => {
    const tags = new Set<ServiceFailureTag>(EXAMPLES.map((failure) => failure._tag));
    assert.deepEqual(tags, EVERY_FAILURE_TAG);
  });

  it('docs/contract.md has one row per ErrorInfo reason, with the code and the details the code gives it', () => {
    const contract = readFileSync(path.join(ROOT, 'docs', 'contract.md'), 'utf8');
    const section = contract.slice(contract.indexOf('## Status codes and error details'));
    const rows = tableRows(section.slice(0, section.indexOf('\n\n', section.indexOf('| Outcome'))));
    const body = rows.slice(1);
    assert.ok(body.length > 0, 'the table is there');
    const documented = new Map<string, { readonly code: string; readonly details: string[] }>();
    for (const [, code = '', reason = '', details = ''] of body) {
      const [reasonName] = backticked(reason);
      assert.ok(reasonName !== undefined, `a row without a reason: ${reason}`);
      assert.ok(!documented.has(reasonName), `${reasonName} has two rows`);
      const named = backticked(details).filter((word) => Object.values(DETAIL_NAMES).includes(word));
      documented.set(reasonName, { code: backticked(code).join(), details: [...new Set(named)].sort() });
    }
    for (const report of REPORTS) {
      const row = documented.get(report.details.errorInfo.reason);
      assert.ok(row !== undefined, `${report.details.errorInfo.reason} is not in the table`);
      assert.equal(row.code, codeName(report.code), report.details.errorInfo.reason);
      assert.deepEqual(row.details, detailNamesOf(report), report.details.errorInfo.reason);
    }
    assert.deepEqual(
      [...documented.keys()].sort(),
      [...codeOfReason.keys()].sort(),
      'no row for a reason the code never gives',
    );
  });

  it('every table row in README.md and docs/ that names a reason names its code', () => {
    let checked = 0;
    for (const { file, text } of documents()) {
      for (const row of tableRows(text)) {
        const words = row.flatMap(backticked);
        const reasons = words.filter((word) => codeOfReason.has(word));
        for (const reason of reasons) {
          const codes = words.filter((word) => CODE_NAMES.has(word));
          assert.deepEqual([...new Set(codes)], [codeOfReason.get(reason)], `${file}: ${row.join(' | ')}`);
          checked += 1;
        }
      }
    }
    assert.ok(checked >= REPORTS.length, 'the rows were found');
  });

  it("the proto's list of status codes is exactly the codes the service answers ReconnectStreamSession with, and OK", () => {
    const proto = readFileSync(path.join(ROOT, 'proto', 'reconnect', 'v1', 'reconnect.proto'), 'utf8');
    const list = proto.slice(proto.indexOf('// Status codes:'), proto.indexOf('rpc ReconnectStreamSession('));
    const listed = [...list.matchAll(/^\s*\/\/ {3}([A-Z_]+)\s/gm)].flatMap((match) =>
      match[1] === undefined ? [] : [match[1]],
    );
    const answered = new Set(['OK', ...REPORTS.map((report) => codeName(report.code))]);
    assert.deepEqual([...new Set(listed)].sort(), [...answered].sort());
  });
});
