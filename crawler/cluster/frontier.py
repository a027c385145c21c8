"""The shared frontier: every request of the crawl in Redis, one queue per host.

A worker takes a request only from a host nobody else is fetching and whose delay has passed
(the `ready` set, scored by the time the host may be asked again, on the Redis server's clock so
that machines' clocks do not matter); the host stays `busy` until the download is over, then
becomes ready again DOWNLOAD_DELAY later. So at most one request per host is in flight over the
whole cluster and consecutive requests to a host start at least the delay apart.

A request taken is not gone: it waits in the worker's `flight` hash until the worker acknowledges
it (its callback or errback is done, or it was handed back as a retry or redirect). A worker
whose heartbeat has expired is presumed killed; `sweep` puts its requests back at the front of
their hosts' queues, for the others to take up (at least once: a page it had fetched but not
finished is fetched again).

Keys (prefix `nianbao:<spider>`): `q:<host>` sorted set of encoded requests (score: priority,
then arrival), `ready` sorted set of hosts, `busy` hash host → token, `next` hash host → time,
`flight:<worker>` hash token → host and request, `workers` set, `alive:<worker>` heartbeat.
The scripts touch keys they compute, so this is for one Redis server, not Redis Cluster.
"""

from __future__ import annotations

from itertools import count
from urllib.parse import urlsplit

from scrapy_redis.queue import Base

TOKEN = "nianbao_frontier_token"  # request.meta key: which flight entry a request came from
# meta a downloader middleware of one worker set on a retried or redirected request: another
# worker (another machine, another proxy) sets its own
WORKER_META = (TOKEN, "proxy", "_auth_proxy")
FRONT = -1e15  # the score that puts a taken-up request before everything else of its host

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

_RELEASE = """
local function release(p, host, token, delay, now)
  if redis.call('HGET', p .. ':busy', host) ~= token then return end
  redis.call('HDEL', p .. ':busy', host)
  local at = now + delay
  redis.call('HSET', p .. ':next', host, at)
  if redis.call('ZCARD', p .. ':q:' .. host) > 0 then redis.call('ZADD', p .. ':ready', at, host) end
end
local function enqueue(p, host, score, data)
  redis.call('ZADD', p .. ':q:' .. host, score, data)
  if redis.call('HEXISTS', p .. ':busy', host) == 0 and not redis.call('ZSCORE', p .. ':ready', host) then
    redis.call('ZADD', p .. ':ready', tonumber(redis.call('HGET', p .. ':next', host) or 0), host)
  end
end
"""

# queued unless the duplicate filter (set ARGV[5], if any) has the fingerprint ARGV[6]; one step,
# so that a worker killed between the two neither loses the request nor leaves it marked seen
PUSH = _RELEASE + """
local p, host, data = ARGV[1], ARGV[2], ARGV[3]
if ARGV[5] ~= '' and redis.call('SADD', ARGV[5], ARGV[6]) == 0 then return 0 end
local seq = redis.call('INCR', p .. ':seq')
enqueue(p, host, tonumber(ARGV[4]) * 1e10 + seq, data)
return 1
"""

POP = _NOW + """
local p, worker, token = ARGV[1], ARGV[2], ARGV[3]
local hosts = redis.call('ZRANGEBYSCORE', p .. ':ready', '-inf', now, 'LIMIT', 0, 1)
if #hosts == 0 then return false end
local host = hosts[1]
redis.call('ZREM', p .. ':ready', host)
local first = redis.call('ZRANGE', p .. ':q:' .. host, 0, 0)
if #first == 0 then return false end
redis.call('ZREM', p .. ':q:' .. host, first[1])
redis.call('HSET', p .. ':busy', host, token)
redis.call('HSET', p .. ':flight:' .. worker, token, host .. '\\n' .. first[1])
return first[1]
"""

RELEASE = _NOW + _RELEASE + """
local p, worker, token = ARGV[1], ARGV[2], ARGV[3]
local entry = redis.call('HGET', p .. ':flight:' .. worker, token)
if entry then release(p, string.sub(entry, 1, string.find(entry, '\\n', 1, true) - 1), token, tonumber(ARGV[4]), now) end
"""

ACK = _NOW + _RELEASE + """
local p, worker, token = ARGV[1], ARGV[2], ARGV[3]
local entry = redis.call('HGET', p .. ':flight:' .. worker, token)
if not entry then return 0 end
redis.call('HDEL', p .. ':flight:' .. worker, token)
release(p, string.sub(entry, 1, string.find(entry, '\\n', 1, true) - 1), token, tonumber(ARGV[4]), now)
return 1
"""

# a worker's requests back at the front of their queues; its hosts free again
TAKE_UP = _NOW + _RELEASE + """
local p, worker = ARGV[1], ARGV[2]
local entries = redis.call('HGETALL', p .. ':flight:' .. worker)
for i = 1, #entries, 2 do
  local token, entry = entries[i], entries[i + 1]
  local cut = string.find(entry, '\\n', 1, true)
  local host = string.sub(entry, 1, cut - 1)
  if redis.call('HGET', p .. ':busy', host) == token then
    redis.call('HDEL', p .. ':busy', host)
  end
  enqueue(p, host, %s, string.sub(entry, cut + 1))
end
redis.call('DEL', p .. ':flight:' .. worker)
return #entries / 2
""" % FRONT

# requests not yet done by anyone but the asking worker: queued, or in flight elsewhere
PENDING = """
local p, me = ARGV[1], ARGV[2]
local n = redis.call('ZCARD', p .. ':ready')
for _, worker in ipairs(redis.call('SMEMBERS', p .. ':workers')) do
  if worker ~= me then n = n + redis.call('HLEN', p .. ':flight:' .. worker) end
end
return n
"""


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HostFrontier(Base):
    """scrapy-redis's queue interface (push, pop, len) over the per-host frontier."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.worker = settings.get("NIANBAO_CLUSTER_WORKER")
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY") * 1000)
        self.tokens = count(1)
        self.scripts = {name: server.register_script(text)
                        for name, text in (("push", PUSH), ("pop", POP), ("release", RELEASE), ("ack", ACK),
                                           ("take_up", TAKE_UP), ("pending", PENDING))}

    def _encode_request(self, request):
        obj = request.to_dict(spider=self.spider)
        obj["meta"] = {k: v for k, v in obj["meta"].items() if k not in WORKER_META}
        return self.serializer.dumps(obj)

    def __len__(self):
        return self.server.zcard(self.key + ":ready")

    def push(self, request, done: str | None = None, seen: tuple[str, str] | None = None) -> bool:
        """Queue a request, unless `seen` (the duplicate filter's set, the request's fingerprint)
        has it already; whether it was queued. `done`: the token of the request it replaces (a
        retry or redirect), acknowledged in the same transaction so that a kill in between loses
        neither."""
        pipe = self.server.pipeline(transaction=True)
        self.scripts["push"](args=[self.key, host_of(request.url), self._encode_request(request), -request.priority,
                                   *(seen or ("", ""))], client=pipe)
        if done:
            self.scripts["ack"](args=[self.key, self.worker, done, self.delay_ms], client=pipe)
        return bool(pipe.execute()[0])

    def pop(self, timeout=0):
        token = f"{self.worker}:{next(self.tokens)}"
        data = self.scripts["pop"](args=[self.key, self.worker, token])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[TOKEN] = token
        return request

    def release(self, request) -> None:
        """The download is over: the host may be asked again after the delay."""
        token = request.meta.get(TOKEN)
        if token:
            self.scripts["release"](args=[self.key, self.worker, token, self.delay_ms])

    def ack(self, token: str) -> bool:
        return bool(self.scripts["ack"](args=[self.key, self.worker, token, self.delay_ms]))

    def take_up(self, worker: str) -> int:
        return int(self.scripts["take_up"](args=[self.key, worker]))

    def pending(self) -> int:
        return int(self.scripts["pending"](args=[self.key, self.worker]))

    def in_flight(self, worker: str | None = None) -> int:
        return self.server.hlen(f"{self.key}:flight:{worker or self.worker}")

    def clear(self):
        for key in self.server.scan_iter(match=self.key + ":*"):
            self.server.delete(key)
