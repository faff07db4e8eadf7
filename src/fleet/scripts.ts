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
 * - `{prefix}:lease:<session>` and `{prefix}:lease-holders:<session>`: a reconnect in flight and who holds it.
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

export const FLEET_SCRIPTS = {
  admit: ADMIT,
  leave: LEAVE,
  record: RECORD,
  heartbeat: HEARTBEAT,
  cool: COOL,
  settle: SETTLE,
  lease: LEASE,
  release: RELEASE,
};
