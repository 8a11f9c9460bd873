#!/usr/bin/env python3
# Writes files/access.log: a day of a web server's access log in which one client exfiltrates a
# secret, three bytes at a time, hex encoded in "tracking pixel" requests sent out of order.
# Deterministic (seeded); run from the task's folder to regenerate.
import random
import time

rng = random.Random(4242)
SECRET = b"FLAG{pixels_can_carry_m0re_than_clicks}"
LEAKER = "203.0.113.77"
pages = ["/", "/index.html", "/about", "/contact", "/products", "/products/valves",
         "/products/pumps", "/static/site.css", "/static/app.js", "/img/logo.png", "/login",
         "/search?q=pump", "/search?q=valve+seal", "/careers", "/img/pixel.gif?c=home"]
agents = ["Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/125.0 Safari/537.36",
          "curl/7.88.1", "Googlebot/2.1 (+http://www.google.com/bot.html)"]
clients = ["198.51.100.%d" % rng.randrange(2, 250) for _ in range(25)]
events = []
start = 1781424000  # 2026-06-14T08:00:00Z
for _ in range(420):
    t = start + rng.randrange(0, 36000)
    path = rng.choice(pages)
    status = 200 if rng.random() > 0.08 else rng.choice([304, 404, 302])
    events.append((t, rng.choice(clients), "GET", path, status, rng.randrange(200, 40000),
                   rng.choice(agents)))
chunks = [SECRET[i:i + 3] for i in range(0, len(SECRET), 3)]
order = list(range(len(chunks)))
rng.shuffle(order)
t = start + 21000
for seq in order:
    t += rng.randrange(20, 400)
    events.append((t, LEAKER, "GET", "/img/pixel.gif?c=%s&s=%d&d=%s" % (
        rng.choice(["home", "about", "news"]), seq, chunks[seq].hex()), 200, 43, agents[1]))
events.sort()
with open("files/access.log", "w") as f:
    for t, ip, method, path, status, size, agent in events:
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
        f.write('%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"\n'
                % (ip, stamp, method, path, status, size, agent))
