#!/usr/bin/python3
"""A real SMTP server for tests (aiosmtpd, Debian's python3-aiosmtpd 1.4).

Binds 127.0.0.1 on an ephemeral port and prints the port, alone on the first line of stdout,
as soon as it accepts connections. Every message it accepts is stored in SPOOL_DIR before the
250 reply to DATA, so a client that saw its send succeed finds the files already there:

  NNNN.eml   the message as received (bytes after DATA, dot-unstuffed)
  auth.jsonl one JSON line per AUTH attempt: mechanism, login, success, tls (so a test can
             tell that a client never sent its credentials)
  NNNN.json  a summary: mail_from, rcpt_tos, tls (whether the session ran under TLS), auth_login
             (the user that authenticated, or null), and the message as Python's email package
             (policy=default) parses it: headers (Date, From, To, Subject decoded, Message-ID,
             Auto-Submitted, MIME-Version, Content-Type; null when absent), from/to addresses
             (display_name, addr_spec), text and html (the decoded parts with "\n" line
             breaks, or null),
             content_transfer_encodings, defects (what the parser found wrong; [] for a clean
             message).

Both files are written to a temporary name and renamed, so a reader never sees half a file;
the .json is renamed last, so its presence means the message is complete. NNNN counts from
0001 in arrival order.

Options:
  --starttls CERT KEY       offer STARTTLS with this PEM certificate and key
  --tls CERT KEY            implicit TLS instead (RFC 8314, what smtps:// expects); AUTH is then
                            offered at once
  --require-starttls        refuse everything but EHLO/NOOP/QUIT/STARTTLS before TLS
  --auth USER:PASSWORD      require AUTH (PLAIN, LOGIN) with these credentials; offered only
                            under TLS unless --auth-plaintext
  --auth-plaintext          offer AUTH without TLS too
  --reject-rcpt CODE        answer every RCPT TO with CODE (e.g. 550, 451)

Exits with status 0 on SIGTERM or SIGINT, after closing the listening socket.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException

SUMMARY_HEADERS = ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                   "Auto-Submitted", "Content-Type")


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def addresses(header):
    if header is None:
        return []
    return [{"display_name": a.display_name, "addr_spec": a.addr_spec} for a in header.addresses]


def part_content(msg, subtype):
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None, None, []
    # Line breaks as "\n", whatever the wire had (CRLF): what a template wrote.
    return (part.get_content().replace("\r\n", "\n"), part.get("Content-Transfer-Encoding"),
            [repr(d) for d in part.defects])


def under_tls(server, session):
    """STARTTLS sets session.ssl; implicit TLS shows only on the transport."""
    transport = getattr(server, "transport", None)
    return session.ssl is not None or (
        transport is not None and transport.get_extra_info("ssl_object") is not None)


def summarize(raw, envelope, session, tls):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {name: (str(msg[name]) if msg[name] is not None else None)
               for name in SUMMARY_HEADERS}
    text, text_cte, text_defects = part_content(msg, "plain")
    html, html_cte, html_defects = part_content(msg, "html")
    login = None
    if session.authenticated and isinstance(session.auth_data, LoginPassword):
        login = session.auth_data.login.decode("utf-8", "replace")
    return {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "tls": tls,
        "auth_login": login,
        "headers": headers,
        "from": addresses(msg["From"]),
        "to": addresses(msg["To"]),
        "text": text,
        "html": html,
        "content_transfer_encodings": {"text": text_cte, "html": html_cte},
        "defects": [repr(d) for d in msg.defects] + text_defects + html_defects,
    }


class Sink:
    """The aiosmtpd handler: stores messages, refuses recipients on demand."""

    def __init__(self, spool, reject_rcpt):
        self.spool = spool
        self.reject_rcpt = reject_rcpt
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt is not None:
            status = "5.1.1" if self.reject_rcpt >= 500 else "4.3.0"
            return f"{self.reject_rcpt} {status} recipient refused by smtp_sink --reject-rcpt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.spool, f"{self.count:04d}")
        raw = envelope.original_content or envelope.content
        try:
            summary = summarize(raw, envelope, session, under_tls(server, session))
        except Exception as e:  # a message the parser chokes on is still kept, and said so
            summary = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                       "tls": under_tls(server, session), "error": repr(e)}
        write_atomically(base + ".eml", raw)
        write_atomically(base + ".json", json.dumps(summary, indent=1).encode("utf-8"))
        return "250 OK stored"


def one_line_tls_failures(record):
    """A client that refuses the certificate is a case tests make on purpose: one log line for
    it, not aiosmtpd's traceback."""
    if record.exc_info and isinstance(record.exc_info[1], TLSSetupException):
        cause = record.exc_info[1].__cause__
        record.msg = f"{record.msg} (TLS handshake failed: {cause})"
        record.exc_info = None
    return True


def make_authenticator(credentials, spool):
    user, _, password = credentials.partition(":")
    expected = (user.encode("utf-8"), password.encode("utf-8"))

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and (auth_data.login, auth_data.password) == expected)
        login = (auth_data.login.decode("utf-8", "replace")
                 if isinstance(auth_data, LoginPassword) else None)
        line = {"mechanism": mechanism, "login": login, "success": ok,
                "tls": under_tls(server, session)}
        with open(os.path.join(spool, "auth.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
        # handled=False: aiosmtpd itself answers a failure with "535 5.7.8 Authentication
        # credentials invalid" (with the default, handled=True, nobody would answer).
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return authenticate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spool", help="directory for the received messages (must exist)")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--auth-plaintext", action="store_true")
    parser.add_argument("--reject-rcpt", type=int, metavar="CODE")
    parser.add_argument("--port", type=int, default=0,
                        help="listen on this port (default: an ephemeral one)")
    args = parser.parse_args()
    if args.require_starttls and not args.starttls:
        parser.error("--require-starttls needs --starttls")
    if args.starttls and args.tls:
        parser.error("--starttls and --tls exclude each other")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="smtp_sink: %(levelname)s %(message)s")
    # aiosmtpd warns about its own deprecated attributes on every AUTH, and about AUTH without
    # TLS, which --auth-plaintext asks for on purpose: noise in a test log. Errors still show.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    logging.getLogger("mail.log").addFilter(one_line_tls_failures)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    def context(cert, key):
        c = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        c.load_cert_chain(cert, key)
        c.verify_mode = ssl.CERT_NONE  # clients present no certificate
        return c

    starttls_context = context(*args.starttls) if args.starttls else None
    implicit_context = context(*args.tls) if args.tls else None

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Sink(args.spool, args.reject_rcpt)
    auth = {}
    if args.auth:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls: with implicit TLS, every
        # command is under TLS already.
        auth = {"authenticator": make_authenticator(args.auth, args.spool), "auth_required": True,
                "auth_require_tls": not (args.auth_plaintext or args.tls)}

    def factory():
        # hostname given: the default, socket.getfqdn(), may wait on DNS.
        return SMTP(handler, hostname="smtp-sink.test", tls_context=starttls_context,
                    require_starttls=args.require_starttls, loop=loop, **auth)

    # The handlers go in before the port is announced: a SIGTERM right after it is a clean stop.
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = loop.run_until_complete(loop.create_server(factory, host="127.0.0.1", port=args.port,
                                                            ssl=implicit_context))
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    loop.run_until_complete(stop.wait())
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
