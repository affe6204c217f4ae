"""A minimal IMAP4rev1 server standing in for a self-hosted mailbox: real TCP, spoken to by `imaplib`.

It speaks plain IMAP or implicit TLS and implements what the poller uses (CAPABILITY, LOGIN, SELECT, UID SEARCH,
UID FETCH with BODY.PEEK[], UID STORE, NOOP, LOGOUT). It refuses a wrong password with `NO [AUTHENTICATIONFAILED]`
and any command before LOGIN with `BAD`, records every command (passwords masked), and can hold a UID FETCH until
the test releases it, so that a test can kill the poller in the middle of a batch.
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class StoredMail:
    """One message in the mailbox."""

    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapStandIn:
    """The server; use as a context manager. `port` is where it listens on 127.0.0.1."""

    def __init__(
        self,
        username: str = "support",
        password: str = "imap-password",
        uidvalidity: int = 1700,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.uidvalidity = uidvalidity
        self.mails: list[StoredMail] = []
        self.commands: list[str] = []
        self._held: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        self._next_uid = 1
        self._server = _Server(("127.0.0.1", 0), self._handler(), bind_and_activate=False)
        self._server.tls = tls
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> ImapStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for event in self._held.values():
            event.set()
        self._server.shutdown()
        self._server.server_close()

    def append(self, raw: bytes) -> int:
        """Delivers a message into the mailbox; its UID."""
        with self._lock:
            uid = self._next_uid
            self._next_uid += 1
            self.mails.append(StoredMail(uid, raw))
            return uid

    def hold_fetch(self, uid: int) -> threading.Event:
        """The next UID FETCH of `uid` waits until the returned event is set."""
        event = threading.Event()
        self._held[uid] = event
        return event

    def fetches(self, uid: int) -> int:
        """How many times `uid` was fetched."""
        with self._lock:
            return sum(1 for command in self.commands if re.match(rf"UID FETCH {uid} ", command, re.IGNORECASE))

    def seen(self, uid: int) -> bool:
        with self._lock:
            return any(mail.uid == uid and "\\Seen" in mail.flags for mail in self.mails)

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                # The client may go away mid-answer (a test kills the poller while a fetch is held).
                with contextlib.suppress(OSError):
                    self._serve()

            def _serve(self) -> None:
                self.logged_in = False
                self._send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] stand-in ready")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    tag, _, rest = text.partition(" ")
                    command, _, arguments = rest.partition(" ")
                    with server._lock:
                        server.commands.append(_masked(rest))
                    if not self._dispatch(tag, command.upper(), arguments):
                        return

            def _send(self, data: bytes) -> None:
                self.wfile.write(data + b"\r\n")
                self.wfile.flush()

            def _dispatch(self, tag: str, command: str, arguments: str) -> bool:
                ok = f"{tag} OK {command} completed".encode()
                if command == "CAPABILITY":
                    self._send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                elif command == "NOOP":
                    pass
                elif command == "LOGOUT":
                    self._send(b"* BYE logging out")
                    self._send(ok)
                    return False
                elif command == "LOGIN":
                    user, password = (_unquoted(token) for token in _TOKEN.findall(arguments)[:2])
                    if (user, password) != (server.username, server.password):
                        self._send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed".encode())
                        return True
                    self.logged_in = True
                elif not self.logged_in:
                    self._send(f"{tag} BAD log in first".encode())
                    return True
                elif command in ("SELECT", "EXAMINE"):
                    with server._lock:
                        count, next_uid = len(server.mails), server._next_uid
                    self._send(b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                    self._send(f"* {count} EXISTS".encode())
                    self._send(b"* 0 RECENT")
                    self._send(f"* OK [UIDVALIDITY {server.uidvalidity}] UIDs valid".encode())
                    self._send(f"* OK [UIDNEXT {next_uid}] Predicted next UID".encode())
                    ok = f"{tag} OK [READ-WRITE] SELECT completed".encode()
                elif command == "UID":
                    sub, _, rest = arguments.partition(" ")
                    if not self._uid(tag, sub.upper(), rest):
                        return True
                else:
                    self._send(f"{tag} BAD unknown command".encode())
                    return True
                self._send(ok)
                return True

            def _uid(self, tag: str, sub: str, rest: str) -> bool:
                with server._lock:
                    mails = list(server.mails)
                if sub == "SEARCH":
                    found = re.fullmatch(r"UID (\d+):\*", rest.strip(), re.IGNORECASE)
                    if not found:
                        self._send(f"{tag} BAD only 'UID n:*' is supported".encode())
                        return False
                    low = int(found.group(1))
                    highest = max((mail.uid for mail in mails), default=0)
                    # RFC 3501: "*" is the highest UID, so n:* always contains it even when n is above it.
                    uids = sorted({mail.uid for mail in mails if mail.uid >= low} | ({highest} if highest else set()))
                    self._send(("* SEARCH " + " ".join(map(str, uids))).strip().encode())
                    return True
                uid_text, _, items = rest.partition(" ")
                if not uid_text.isdigit():
                    self._send(f"{tag} BAD only single UIDs are supported".encode())
                    return False
                uid = int(uid_text)
                position = next((index for index, mail in enumerate(mails) if mail.uid == uid), None)
                if position is None:
                    return True  # RFC 3501: a UID that does not exist is answered with OK and no data
                mail = mails[position]
                if sub == "FETCH":
                    held = server._held.pop(uid, None)
                    if held is not None:
                        held.wait(timeout=60)
                    self.wfile.write(f"* {position + 1} FETCH (UID {uid} BODY[] {{{len(mail.raw)}}}\r\n".encode())
                    self.wfile.write(mail.raw + b")\r\n")
                    self.wfile.flush()
                    return True
                if sub == "STORE" and items.upper().startswith("+FLAGS"):
                    flags = re.findall(r"\\\w+", items)
                    with server._lock:
                        mail.flags.update(flags)
                    self._send(f"* {position + 1} FETCH (UID {uid} FLAGS ({' '.join(sorted(mail.flags))}))".encode())
                    return True
                self._send(f"{tag} BAD unsupported UID command".encode())
                return False

        return Handler


class _Server(socketserver.ThreadingTCPServer):
    """Implicit TLS (as on port 993) when given a context: each connection is wrapped before the greeting."""

    tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        if self.tls is not None:
            connection.settimeout(10)
            connection = self.tls.wrap_socket(connection, server_side=True)
            connection.settimeout(None)
        return connection, address


def _unquoted(token: tuple[str, str]) -> str:
    quoted, atom = token
    return re.sub(r"\\(.)", r"\1", quoted) if quoted or not atom else atom


def _masked(command: str) -> str:
    """A command as recorded: LOGIN's password replaced."""
    if command.upper().startswith("LOGIN "):
        return re.sub(r"^(LOGIN \S+) .*$", r"\1 ***", command, flags=re.IGNORECASE)
    return command
