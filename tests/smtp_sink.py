"""A real SMTP server for the mail tests (aiosmtpd): every accepted message is parsed with the
standard library and appended as one JSON line to the output file.

    smtp_sink.py PORT OUT [--starttls CERT KEY | --implicit-tls CERT KEY]

Recipients whose address starts with "nosuchuser" are refused for good (550), those starting
with "greylisted" for now (451), as a relay does."""
import email
import json
import ssl
import sys
import threading
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nosuchuser"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user here" % address
        if address.startswith("greylisted"):
            return "451 4.7.1 <%s>: greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "message_id": msg["Message-ID"],
            "rcpt": envelope.rcpt_tos,
            "mail_from": envelope.mail_from,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "auto_submitted": msg["Auto-Submitted"],
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        with self.lock, open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    tls = {}
    if len(sys.argv) == 6:
        mode, cert, key = sys.argv[3:6]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if mode == "--starttls":
            tls = {"tls_context": context, "require_starttls": True}
        elif mode == "--implicit-tls":
            tls = {"ssl_context": context}
        else:
            sys.exit("unknown mode " + mode)
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, **tls)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
