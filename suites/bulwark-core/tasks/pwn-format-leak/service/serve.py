# Serves a program over TCP: every connection gets its own process of the program, with the
# connection as its standard input, output and error.
import socketserver
import subprocess
import sys

PORT = int(sys.argv[1])
PROGRAM = sys.argv[2:]


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            subprocess.run(PROGRAM, stdin=self.request, stdout=self.request,
                           stderr=subprocess.DEVNULL, timeout=30)
        except subprocess.TimeoutExpired:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
