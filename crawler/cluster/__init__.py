"""One crawl as many workers on one Redis server (scrapy-redis's scheduler and duplicate filter).

`frontier` keeps the shared requests, one queue per host, and hands a host to one worker at a
time (politeness over the whole cluster); `scheduler` plugs it into scrapy-redis's scheduler;
`tracking` acknowledges finished requests and keeps the heartbeat by which a killed worker's
requests are taken up again; `addon` turns all this on when REDIS_URL is set; `launch` runs N
workers for `nianbao crawl --redis URL --workers N`. The snapshot parts the workers write are
merged and sealed once (`archive.merge`) by whichever worker ends last.
"""
