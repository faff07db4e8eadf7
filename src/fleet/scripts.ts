import { defineScript } from '@redis/client';

/**
 * The fleet's shared state, kept in Redis and changed only by these scripts, each atomic and on Redis's own clock
 * (`TIME`; replicated by effects since Redis 5, so safe on replicas too). Plain EVAL/EVALSHA: Redis 7 and Valkey alike.
 *
 * Keys, all under one hash tag so a cluster keeps them in one slot:
 * - `{prefix}:budget:<region>:<operation>` hash: `tat` (GCRA's theoretical arrival time), `factor` (AIMD) and
 *   `decreasedAt`;
 * - `{prefix}:queue:<region>:<operation>` sorted set: the waiters of every replica, scored by deadline;
 * - `{prefix}:live` sorted set: each replica, scored by when its lease ends (renewed every second);
 * - `{prefix}:cooling` sorted set: replicas back from an outage, scored by when their cool-down ends;
 * - `{prefix}:lease:<session>` and `{prefix}:lease-holders:<session>`: a reconnect in flight and who holds it;
 * - `{prefix}:watch:<region>/<group>:lease`: which replica polls a watched stream group (its holder's name);
 * - `{prefix}:watch:<region>/<group>:pending` hash: the group's pending sessions, ARN to JSON, and the field
 *   `~ready` once its polling replica has reported a first poll, holding when (Redis ms) a holder last vouched for
 *   the set: a set nobody has vouched for within the freshness bound may have missed changes, and is not served;
 * - `{prefix}:watch:<region>/<group>:changes` stream: the group's changes, each with `seq` (one more than the entry
 *   before), `kind` and `body` (watch-entries.ts).
 */

const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The rate a budget admits fleet-wide now: its configured rate, after AIMD, less the outage share of every replica
 * that may be admitting on its own (cooling down after an outage, or gone quiet within the stale window: partitioned
 * from Redis, or dead), so that those replicas and the fleet together stay within the quota.
 */
const SHARED_RATE = `
local function shared_rate(budget, live, cooling, now, rate, replicas, stale)
  redis.call('ZREMRANGEBYSCORE', live, '-inf', now - stale)
  redis.call('ZREMRANGEBYSCORE', cooling, '-inf', now)
  local quiet = redis.call('ZCOUNT', live, '-inf', now)
  local alone = math.min(quiet + redis.call('ZCARD', cooling), replicas - 1)
  local factor = tonumber(redis.call('HGET', budget, 'factor') or '1')
  return rate * factor * (1 - alone / replicas)
end
`;

/**
 * Asks for a slot for one waiter (registering it the first time, scored by its caller's deadline). It is
 * admitted when no other replica's waiter is ahead of it and the budget's GCRA has a slot free; a waiter that could not
 * be admitted before its deadline (less the reserve) leaves the queue and is refused; otherwise it is told how long
 * until it may be admitted. Waiters whose deadline passed, or whose replica's lease ended, leave the queue first.
 *
 * The deadlines are the callers' (epoch ms, as each replica's clock says), so the shared queue orders each replica's
 * waiters exactly as that replica does, and the earliest waiter of all is always some replica's earliest, which that
 * replica asks for; everything else (the slots, what has expired) runs on Redis's clock, and a clock skew between
 * hosts of a few milliseconds moves nothing that matters.
 *
 * KEYS: budget, queue, live, cooling. ARGV: member, replica, deadlineMs, reserveMs, rate, burst, maxReplicas,
 * liveLeaseMs, staleMs, keyTtlMs. Reply: { verdict ('admitted' | 'refused' | 'wait'), waitMs, sharedRate, available }.
 */
export const ADMIT = defineScript({
  SCRIPT: `${NOW}${SHARED_RATE}
local budget, queue, live, cooling = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local member, replica = ARGV[1], ARGV[2]
local deadline, reserve = tonumber(ARGV[3]), tonumber(ARGV[4])
local rate, burst, replicas = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local lease, stale, ttl = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local now = now_ms()
redis.call('ZADD', live, now + lease, replica)
redis.call('PEXPIRE', live, ttl)
local shared = shared_rate(budget, live, cooling, now, rate, replicas, stale)
local interval = 1000 / shared
local tolerance = (burst - 1) * interval
local tat = math.max(tonumber(redis.call('HGET', budget, 'tat') or '0'), now)
local free_at = tat - tolerance
redis.call('ZREMRANGEBYSCORE', queue, '-inf', now)
if deadline > now then
  redis.call('ZADD', queue, 'NX', deadline, member)
end
for _ = 1, 32 do
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  if not head then break end
  local owner = string.match(head, '^(.*)/')
  local expiry = owner and redis.call('ZSCORE', live, owner)
  if expiry and tonumber(expiry) >= now then break end
  redis.call('ZREM', queue, head)
end
redis.call('PEXPIRE', queue, ttl)
redis.call('PEXPIRE', budget, ttl)
local available = 0
if free_at <= now then available = math.min(burst, math.floor((now - free_at) / interval) + 1) end
local rank = redis.call('ZRANK', queue, member)
if not rank then
  return { 'refused', '0', tostring(shared), tostring(available) }
end
local others = 0
if rank > 0 then
  local prefix = replica .. '/'
  for _, ahead in ipairs(redis.call('ZRANGE', queue, 0, math.min(rank, 64) - 1)) do
    if string.sub(ahead, 1, #prefix) ~= prefix then others = others + 1 end
  end
  if rank > 64 then others = others + rank - 64 end
end
if others == 0 and free_at <= now then
  redis.call('HSET', budget, 'tat', tat + interval)
  redis.call('ZREM', queue, member)
  return { 'admitted', '0', tostring(shared), tostring(available - 1) }
end
local wait = math.max(0, free_at - now) + rank * interval
if now + wait + reserve > deadline then
  redis.call('ZREM', queue, member)
  return { 'refused', tostring(wait), tostring(shared), tostring(available) }
end
return { 'wait', tostring(wait), tostring(shared), tostring(available) }
`,
  NUMBER_OF_KEYS: 4,
  parseCommand(parser, keys: AdmitKeys, args: AdmitArguments) {
    parser.pushKey(keys.budget);
    parser.pushKey(keys.queue);
    parser.pushKey(keys.live);
    parser.pushKey(keys.cooling);
    parser.push(
      args.member,
      args.replica,
      String(Math.floor(args.deadlineMs)),
      String(args.reserveMs),
      String(args.ratePerSecond),
      String(args.burst),
      String(args.maxReplicas),
      String(args.liveLeaseMs),
      String(args.staleMs),
      String(args.keyTtlMs),
    );
  },
  transformReply: (reply: unknown): unknown => reply,
});

export interface AdmitKeys {
  readonly budget: string;
  readonly queue: string;
  readonly live: string;
  readonly cooling: string;
}

export interface AdmitArguments {
  readonly member: string;
  readonly replica: string;
  /** The caller's deadline, epoch ms: every replica orders its own waiters the same way, so the queue agrees. */
  readonly deadlineMs: number;
  readonly reserveMs: number;
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxReplicas: number;
  readonly liveLeaseMs: number;
  readonly staleMs: number;
  readonly keyTtlMs: number;
}

/** Takes a waiter that left (cancelled, or its deadline passed here) out of the queue. KEYS: queue. ARGV: member. */
export const LEAVE = defineScript({
  SCRIPT: `return redis.call('ZREM', KEYS[1], ARGV[1])`,
  NUMBER_OF_KEYS: 1,
  parseCommand(parser, queue: string, member: string) {
    parser.pushKey(queue);
    parser.push(member);
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * AIMD, fleet-wide: a throttle seen by any replica halves the budget's rate, at most once a second, and leaves no
 * burst; every answered call adds back a little. KEYS: budget. ARGV: verdict ('Throttled' | 'Accepted'), keyTtlMs,
 * burst, ratePerSecond. Reply: the factor now.
 */
export const RECORD = defineScript({
  SCRIPT: `${NOW}
local budget = KEYS[1]
local verdict, ttl, burst, rate = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local factor = tonumber(redis.call('HGET', budget, 'factor') or '1')
if verdict == 'Throttled' then
  local decreased = tonumber(redis.call('HGET', budget, 'decreasedAt') or '0')
  if now - decreased >= 1000 then
    factor = math.max(0.05, factor / 2)
    redis.call('HSET', budget, 'factor', tostring(factor), 'decreasedAt', tostring(now))
    local interval = 1000 / (rate * factor)
    local tat = math.max(tonumber(redis.call('HGET', budget, 'tat') or '0'), now + (burst - 1) * interval)
    redis.call('HSET', budget, 'tat', tostring(tat))
  end
else
  factor = math.min(1, factor + 0.0025)
  redis.call('HSET', budget, 'factor', tostring(factor))
end
redis.call('PEXPIRE', budget, ttl)
return tostring(factor)
`,
  NUMBER_OF_KEYS: 1,
  parseCommand(
    parser,
    budget: string,
    verdict: 'Throttled' | 'Accepted',
    keyTtlMs: number,
    burst: number,
    ratePerSecond: number,
  ) {
    parser.pushKey(budget);
    parser.push(verdict, String(keyTtlMs), String(burst), String(ratePerSecond));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/** Renews a replica's lease. KEYS: live. ARGV: replica, liveLeaseMs, keyTtlMs. */
export const HEARTBEAT = defineScript({
  SCRIPT: `${NOW}
redis.call('ZADD', KEYS[1], now_ms() + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`,
  NUMBER_OF_KEYS: 1,
  parseCommand(parser, live: string, replica: string, liveLeaseMs: number, keyTtlMs: number) {
    parser.pushKey(live);
    parser.push(replica, String(liveLeaseMs), String(keyTtlMs));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * A replica back from an outage says it is cooling down until `forMs` from now (renewed while it still admits on its
 * own), and renews its lease; every budget's shared rate leaves room for it meanwhile. Its names of earlier
 * generations leave the live set, so that waiters they left in a queue no longer hold it. KEYS: cooling, live. ARGV:
 * replica, forMs, liveLeaseMs, keyTtlMs, then the earlier names.
 */
export const COOL = defineScript({
  SCRIPT: `${NOW}
local now = now_ms()
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
for index = 5, #ARGV do
  redis.call('ZREM', KEYS[2], ARGV[index])
  redis.call('ZREM', KEYS[1], ARGV[index])
end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
return 1
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(
    parser,
    cooling: string,
    live: string,
    replica: string,
    earlier: ReadonlyArray<string>,
    forMs: number,
    liveLeaseMs: number,
    keyTtlMs: number,
  ) {
    parser.pushKey(cooling);
    parser.pushKey(live);
    parser.push(replica, String(forMs), String(liveLeaseMs), String(keyTtlMs), ...earlier);
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * The end of a replica's cool-down, for one budget: the calls it admitted on its own in the last second are booked
 * against the shared GCRA (Redis may have lost the budget's state), and the replica stops cooling. KEYS: budget,
 * cooling. ARGV: replica, admittedAlone, ratePerSecond, keyTtlMs.
 */
export const SETTLE = defineScript({
  SCRIPT: `${NOW}
local now = now_ms()
local budget = KEYS[1]
local count, rate, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local factor = tonumber(redis.call('HGET', budget, 'factor') or '1')
local tat = math.max(tonumber(redis.call('HGET', budget, 'tat') or '0'), now)
redis.call('HSET', budget, 'tat', tostring(tat + count * 1000 / (rate * factor)))
redis.call('PEXPIRE', budget, ttl)
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(
    parser,
    budget: string,
    cooling: string,
    replica: string,
    admittedAlone: number,
    ratePerSecond: number,
    keyTtlMs: number,
  ) {
    parser.pushKey(budget);
    parser.pushKey(cooling);
    parser.push(replica, String(admittedAlone), String(ratePerSecond), String(keyTtlMs));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * Takes a session's reconnect lease for an offer, or shares it when the same offer holds it; refuses ('other') when a
 * live holder holds it for another offer. KEYS: lease, holders. ARGV: digest, holder, ttlMs. Reply: 'held' | 'other'.
 */
export const LEASE = defineScript({
  SCRIPT: `${NOW}
local now = now_ms()
local lease, holders = KEYS[1], KEYS[2]
local digest, holder, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
local current = redis.call('GET', lease)
if current and current ~= digest and redis.call('ZCARD', holders) > 0 then
  return 'other'
end
redis.call('SET', lease, digest, 'PX', ttl)
redis.call('ZADD', holders, now + ttl, holder)
redis.call('PEXPIRE', holders, ttl)
return 'held'
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(parser, lease: string, holders: string, digest: string, holder: string, ttlMs: number) {
    parser.pushKey(lease);
    parser.pushKey(holders);
    parser.push(digest, holder, String(Math.max(1, Math.ceil(ttlMs))));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/** Lets go of a lease: the last holder out deletes it. KEYS: lease, holders. ARGV: holder. */
export const RELEASE = defineScript({
  SCRIPT: `
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(parser, lease: string, holders: string, holder: string) {
    parser.pushKey(lease);
    parser.pushKey(holders);
    parser.push(holder);
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * The field of a watched group's pending hash that says a first poll filled it (no ARN looks like it), and when (Redis
 * ms) a holder last vouched that the set is current. A set left with no holder (its last subscriber left) stops being
 * current as soon as sessions change, with nobody polling: once its stamp is older than the freshness bound, readers
 * treat it as not ready and a new holder polls afresh rather than start from it. A value that is no number (an older
 * replica's '1') counts as stale.
 */
const READY_FIELD = '~ready';

/** Whether the pending hash was vouched for within `fresh` ms of `now`. */
const IS_FRESH = `
local function is_fresh(pending, now, fresh)
  local stamp = tonumber(redis.call('HGET', pending, '${READY_FIELD}') or '')
  return stamp ~= nil and now - stamp <= fresh
end
`;

/** The `seq` field of a stream entry (a flat field list, as XRANGE gives it), or nil. */
const ENTRY_SEQ = `
local function entry_seq(fields)
  for index = 1, #fields, 2 do
    if fields[index] == 'seq' then return fields[index + 1] end
  end
  return nil
end
`;

/**
 * Takes a watched group's poll lease when it is free, or renews it when this holder has it, and keeps the group's
 * keys from expiring while it is polled. A holder vouches for the pending set while it holds the lease: its poller
 * keeps the set current (from a first poll, or from a fresh set it took over), so renewing stamps it fresh. Taking
 * the lease stamps a fresh set (the new holder starts from it) and forgets a stale one, so that the new holder's
 * poller starts with nothing known, and its first poll fills the set anew. KEYS: lease, pending, changes. ARGV:
 * holder, leaseTtlMs, keyTtlMs, freshMs. Reply: 'taken' | 'renewed' | 'other'.
 */
export const WATCH_CLAIM = defineScript({
  SCRIPT: `${NOW}${IS_FRESH}
local lease, pending, changes = KEYS[1], KEYS[2], KEYS[3]
local holder, lease_ttl, ttl, fresh = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = now_ms()
local current = redis.call('GET', lease)
if current == holder then
  redis.call('PEXPIRE', lease, lease_ttl)
  if redis.call('HEXISTS', pending, '${READY_FIELD}') == 1 then
    redis.call('HSET', pending, '${READY_FIELD}', tostring(now))
  end
  redis.call('PEXPIRE', pending, ttl)
  redis.call('PEXPIRE', changes, ttl)
  return 'renewed'
end
if current then return 'other' end
redis.call('SET', lease, holder, 'PX', lease_ttl)
if is_fresh(pending, now, fresh) then
  redis.call('HSET', pending, '${READY_FIELD}', tostring(now))
else
  redis.call('DEL', pending)
end
return 'taken'
`,
  NUMBER_OF_KEYS: 3,
  parseCommand(parser, keys: WatchKeys, holder: string, leaseTtlMs: number, keyTtlMs: number, freshMs: number) {
    parser.pushKey(keys.lease);
    parser.pushKey(keys.pending);
    parser.pushKey(keys.changes);
    parser.push(holder, String(Math.ceil(leaseTtlMs)), String(Math.ceil(keyTtlMs)), String(Math.floor(freshMs)));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/** Lets go of a watched group's poll lease, if this holder still has it. KEYS: lease. ARGV: holder. */
export const WATCH_RELEASE = defineScript({
  SCRIPT: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
  NUMBER_OF_KEYS: 1,
  parseCommand(parser, lease: string, holder: string) {
    parser.pushKey(lease);
    parser.push(holder);
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * A watched group as it stands, in one atomic read: whether a first poll has filled it and a holder vouched for it
 * within `freshMs` (a set older than that may miss changes nobody polled for), the last change's stream id and seq
 * (where a reader starts), and when ready, every pending session's JSON. KEYS: pending, changes. ARGV: freshMs.
 * Reply: { ready ('1' | '0'), lastId, lastSeq, ...sessions }.
 */
export const WATCH_STATE = defineScript({
  SCRIPT: `${NOW}${IS_FRESH}${ENTRY_SEQ}
local ready = 0
if is_fresh(KEYS[1], now_ms(), tonumber(ARGV[1])) then ready = 1 end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local id, seq = '0-0', '0'
if last then
  id = last[1]
  seq = entry_seq(last[2]) or '0'
end
local reply = { tostring(ready), id, seq }
if ready == 1 then
  local fields = redis.call('HGETALL', KEYS[1])
  for index = 1, #fields, 2 do
    if fields[index] ~= '${READY_FIELD}' then table.insert(reply, fields[index + 1]) end
  end
end
return reply
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(parser, pending: string, changes: string, freshMs: number) {
    parser.pushKey(pending);
    parser.pushKey(changes);
    parser.push(String(Math.floor(freshMs)));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * A watched group's changes after a stream id, at most `count`, flattened. KEYS: changes. ARGV: afterId, count.
 * Reply: { id, seq, kind, body, id, seq, kind, body, ... }; a field an entry lacks is ''.
 */
export const WATCH_READ = defineScript({
  SCRIPT: `
local reply = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])) do
  local seq, kind, body = '', '', ''
  local fields = entry[2]
  for index = 1, #fields, 2 do
    local name, value = fields[index], fields[index + 1]
    if name == 'seq' then seq = value elseif name == 'kind' then kind = value elseif name == 'body' then body = value end
  end
  table.insert(reply, entry[1])
  table.insert(reply, seq)
  table.insert(reply, kind)
  table.insert(reply, body)
end
return reply
`,
  NUMBER_OF_KEYS: 1,
  parseCommand(parser, changes: string, afterId: string, count: number) {
    parser.pushKey(changes);
    parser.push(afterId, String(count));
  },
  transformReply: (reply: unknown): unknown => reply,
});

/**
 * What the polling replica publishes, in order, only while it holds the lease (a replica that lost it, paused past
 * its lease, cannot write): 'pend' sets a session pending and 'clear' clears it, each appending the change to the
 * stream; 'ready' replaces the pending sessions with a first poll's (body: JSON [[arn, json], ...]) and appends a
 * 'reset'; 'end' appends the feed's end, forgets the pending sessions and lets go of the lease. A publish stamps a
 * filled pending set fresh, as a renewal does (WATCH_CLAIM): the holder vouches for it. Each entry's seq is
 * one more than the last one's, so a reader sees when entries were trimmed before it read them. KEYS: lease, pending,
 * changes. ARGV: holder, maxLength, keyTtlMs, then (kind, arn, session, body) per item. Reply: 'published' |
 * 'fenced'.
 */
export const WATCH_PUBLISH = defineScript({
  SCRIPT: `${NOW}${ENTRY_SEQ}
local lease, pending, changes = KEYS[1], KEYS[2], KEYS[3]
if redis.call('GET', lease) ~= ARGV[1] then return 'fenced' end
local now = tostring(now_ms())
local max_length, ttl = ARGV[2], ARGV[3]
local last = redis.call('XREVRANGE', changes, '+', '-', 'COUNT', 1)[1]
local seq = 0
if last then seq = tonumber(entry_seq(last[2]) or '0') or 0 end
local function append(kind, body)
  seq = seq + 1
  redis.call('XADD', changes, 'MAXLEN', '~', max_length, '*', 'seq', tostring(seq), 'kind', kind, 'body', body)
end
for index = 4, #ARGV, 4 do
  local kind, arn, session, body = ARGV[index], ARGV[index + 1], ARGV[index + 2], ARGV[index + 3]
  if kind == 'pend' then
    redis.call('HSET', pending, arn, session)
    append('change', body)
  elseif kind == 'clear' then
    redis.call('HDEL', pending, arn)
    append('change', body)
  elseif kind == 'ready' then
    redis.call('DEL', pending)
    redis.call('HSET', pending, '${READY_FIELD}', now)
    for _, pair in ipairs(cjson.decode(body)) do
      redis.call('HSET', pending, pair[1], pair[2])
    end
    append('reset', '')
  elseif kind == 'end' then
    redis.call('DEL', pending, lease)
    append('end', body)
    break
  end
end
if redis.call('HEXISTS', pending, '${READY_FIELD}') == 1 then
  redis.call('HSET', pending, '${READY_FIELD}', now)
end
redis.call('PEXPIRE', pending, ttl)
redis.call('PEXPIRE', changes, ttl)
return 'published'
`,
  NUMBER_OF_KEYS: 3,
  parseCommand(
    parser,
    keys: WatchKeys,
    holder: string,
    maxLength: number,
    keyTtlMs: number,
    items: ReadonlyArray<WatchPublished>,
  ) {
    parser.pushKey(keys.lease);
    parser.pushKey(keys.pending);
    parser.pushKey(keys.changes);
    parser.push(holder, String(maxLength), String(Math.ceil(keyTtlMs)));
    for (const item of items) parser.push(item.kind, item.arn, item.session, item.body);
  },
  transformReply: (reply: unknown): unknown => reply,
});

/** A watched group's keys. */
export interface WatchKeys {
  readonly lease: string;
  readonly pending: string;
  readonly changes: string;
}

/** One item the polling replica publishes (WATCH_PUBLISH). */
export interface WatchPublished {
  readonly kind: 'pend' | 'clear' | 'ready' | 'end';
  /** The session's ARN for 'pend' and 'clear'; '' otherwise. */
  readonly arn: string;
  /** The session's JSON, as the pending set keeps it, for 'pend'; '' otherwise. */
  readonly session: string;
  /** What the stream's entry says ('pend', 'clear', 'end'), or the first poll's pending set ('ready'). */
  readonly body: string;
}

export const FLEET_SCRIPTS = {
  admit: ADMIT,
  leave: LEAVE,
  record: RECORD,
  heartbeat: HEARTBEAT,
  cool: COOL,
  settle: SETTLE,
  lease: LEASE,
  release: RELEASE,
  watchClaim: WATCH_CLAIM,
  watchRelease: WATCH_RELEASE,
  watchState: WATCH_STATE,
  watchRead: WATCH_READ,
  watchPublish: WATCH_PUBLISH,
};
