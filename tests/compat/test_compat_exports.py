"""Every public name a Twisted module documents exists in its plait counterpart.

For each plait module that mirrors a Twisted one, Twisted's public names are its
``__all__`` where it defines one; otherwise the names its source *defines* at top level
(classes, functions, constants — not what it imports), read from the source with `ast`.
Deprecated names (those Twisted warns about on access) are left out, as are private ones.

A name plait lacks must be listed in ``NOT_PROVIDED`` below with the reason. The test
fails both when a new gap appears (a plait refactor dropped a name, or a newer Twisted
added one) and when a listed name has since been implemented, so the list stays true.
``docs/compatibility.md`` summarises the same list for users.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import warnings
from pathlib import Path
from types import ModuleType

import pytest

PYOPENSSL = (
    "needs pyOpenSSL objects; plait's TLS is the stdlib ssl module (see plait.internet.ssl)"
)
PROCESS = "no child-process support in plait yet (reactor.spawnProcess)"
UDP = "no UDP/multicast in plait yet"
FDS = "plait's reactor is asyncio's loop: it has no file-descriptor level API"
NO_PUBLISHER = (
    "plait's log is a bridge onto stdlib logging: there is no LogPublisher object;"
    " use log.addObserver/removeObserver or logging handlers"
)

# Twisted module -> {name: why plait does not provide it}.
NOT_PROVIDED: dict[str, dict[str, str]] = {
    "twisted.web.http": {
        "StringTransport": "an internal write buffer of Twisted's HTTP client, not an API",
    },
    "twisted.web.static": {
        "ASISProcessor": ".asis files (raw responses from disk) are not supported",
    },
    "twisted.web.util": {
        "FailureElement": (
            "Twisted's traceback page as a template element; plait renders its own"
            " escaped traceback page (Site.displayTracebacks) — formatFailure exists"
        ),
    },
    "twisted.web.script": {
        "ResourceTemplate": ".rtl files need the Quixote PTL compiler, long gone from PyPI",
    },
    "twisted.internet.defer": {
        "DeferredFilesystemLock": "filesystem locks are not part of plait (not web API)",
        "AlreadyTryingToLockError": "goes with DeferredFilesystemLock",
    },
    "twisted.internet.endpoints": {
        "AdoptedStreamServerEndpoint": FDS,
        "ProcessEndpoint": PROCESS,
        "StandardErrorBehavior": PROCESS,
        "StandardIOEndpoint": "stdio transports are not part of plait",
        "wrapClientTLS": "client TLS endpoints wrap pyOpenSSL connections; use SSL4ClientEndpoint",
        "wrapServerTLS": "server TLS endpoints wrap pyOpenSSL connections; use SSL4ServerEndpoint",
    },
    "twisted.internet.protocol": {
        "AbstractDatagramProtocol": UDP,
        "DatagramProtocol": UDP,
        "ConnectedDatagramProtocol": UDP,
        "ProcessProtocol": PROCESS,
        "ClientCreator": "superseded by endpoints (connectProtocol) in Twisted's own docs",
        "FileWrapper": "a file-backed transport for tests; use plait.testing.StringTransport",
    },
    "twisted.internet.error": {
        "ProcessDone": PROCESS,
        "ProcessTerminated": PROCESS,
        "ProcessExitedAlready": PROCESS,
    },
    "twisted.internet.interfaces": {
        # plait declares the interfaces a web program implements or receives (IProtocol,
        # ITransport, IConsumer/IProducer, IReactorTCP/SSL/UNIX/Time/Threads/Core, endpoints,
        # IAddress, ...). These describe machinery plait does not have:
        **dict.fromkeys(
            (
                "IFileDescriptor",
                "IFileDescriptorReceiver",
                "IHalfCloseableDescriptor",
                "IReadDescriptor",
                "IReadWriteDescriptor",
                "IWriteDescriptor",
                "IReactorFDSet",
                "IReactorSocket",
                "ISystemHandle",
                "IReactorWin32Events",
                "IReactorDaemonize",
            ),
            FDS,
        ),
        **dict.fromkeys(
            ("IMulticastTransport", "IReactorMulticast", "IReactorUDP", "IUDPTransport"), UDP
        ),
        **dict.fromkeys(
            ("IReactorUNIXDatagram", "IUNIXDatagramTransport", "IUNIXDatagramConnectedTransport"),
            "no UNIX datagram sockets in plait",
        ),
        **dict.fromkeys(("IProcessProtocol", "IProcessTransport", "IReactorProcess"), PROCESS),
        **dict.fromkeys(
            (
                "IOpenSSLClientConnectionCreator",
                "IOpenSSLServerConnectionCreator",
                "IOpenSSLContextFactory",
                "IAcceptableCiphers",
                "ICipher",
                "IProtocolNegotiationFactory",
                "INegotiated",
                "IHandshakeListener",
                "ITLSTransport",
            ),
            PYOPENSSL,
        ),
        **dict.fromkeys(
            (
                "IHostResolution",
                "IHostnameResolver",
                "IResolutionReceiver",
                "IResolver",
                "IResolverSimple",
                "IReactorPluggableNameResolver",
            ),
            "name resolution is asyncio's getaddrinfo; there is no pluggable resolver",
        ),
        "IReactorFromThreads": "plait's reactor has callFromThread (IReactorThreads) only",
        "IReactorInThreads": "plait's reactor has callInThread (IReactorThreads) only",
        "IReactorTCP2": "an interface Twisted never shipped an implementation of",
        "IConnector": "client connectors are declared by their class, not this interface",
        "ILoggingContext": "logPrefix is duck-typed in plait",
        "IServiceCollection": "twisted.application services are not part of plait",
        "IStreamServerEndpointStringParser": "plait's endpoint grammar is built in, no plugins",
        "IStreamClientEndpointStringParserWithReactor": "no endpoint parser plugins",
        "Binding": "a type alias for IReactorSocket (not provided)",
    },
    "twisted.internet.ssl": {
        **dict.fromkeys(
            (
                # Certificate, KeyPair, CertificateOptions, optionsForClientTLS & co
                # exist, over stdlib ssl; these have no stdlib counterpart:
                "DistinguishedName",
                "DN",
                "CertificateRequest",
                "AcceptableCiphers",
                "ProtocolNegotiationSupport",
                "protocolNegotiationMechanisms",
                "VerificationError",
            ),
            PYOPENSSL,
        ),
    },
    "twisted.python.failure": {
        "DO_POST_MORTEM": "post-mortem debugging hooks are not part of plait",
        "startDebugMode": "post-mortem debugging hooks are not part of plait",
        "EXCEPTION_CAUGHT_HERE": "an internal marker of Twisted's traceback printer",
        "traceupLength": "an internal knob of Twisted's traceback printer",
        "count": "an internal counter of Twisted's Failure ids",
        "format_frames": "Twisted's internal frame formatter; use Failure.getTraceback",
        "DefaultException": "Twisted wraps a non-exception in it; plait's Failure refuses one",
    },
    "twisted.python.log": {
        "DefaultObserver": NO_PUBLISHER,
        "LogPublisher": NO_PUBLISHER,
        "NullFile": "an internal helper of Twisted's stdio redirection",
        "StdioOnnaStick": "plait does not redirect sys.stdout/stderr into the log",
        "discardLogs": NO_PUBLISHER,
    },
    "twisted.python.filepath": {
        "AbstractFilePath": "plait has one FilePath class (zip paths are not supported)",
        "IFilePath": "plait has one FilePath class (zip paths are not supported)",
        "Permissions": "plait's FilePath.getPermissions() returns the st_mode bits as an int",
        "RWX": "goes with Permissions",
        "OtherAnyStr": "a typing TypeVar of Twisted's annotations",
        "FileMode": "a typing alias of Twisted's annotations",
        "armor": "an alias of base64.urlsafe_b64encode Twisted uses for temporary names",
        "randomBytes": "an alias of os.urandom Twisted uses for temporary names",
    },
    "twisted.python.reflect": {
        **dict.fromkeys(
            (
                "accumulateClassDict",
                "accumulateClassList",
                "accumulateMethods",
                "addMethodNamesToDict",
                "findInstances",
                "isLike",
                "isOfType",
                "isSame",
                "modgrep",
                "QueueMethod",
                "getClass",
                "filenameToModuleName",
                "fullFuncName",
                "objgrep",
            ),
            "introspection helpers no web program uses; reflect keeps namedAny, qual & co",
        ),
    },
    "twisted.logger": {
        "ILogFilterPredicate": "filters are plain callables returning a PredicateResult",
        "LegacyLogObserverWrapper": NO_PUBLISHER,
        "LogEvent": "a TypedDict of Twisted's annotations; events are plain dicts",
        "Operation": "Twisted's (new) structured-operation helper, not yet in plait",
        "capturedLogs": "Twisted's test helper; use pytest's caplog with the plait logger",
    },
    "twisted.cred.checkers": {
        "OnDiskUsernamePasswordDatabase": "Twisted's old name for FilePasswordDB",
    },
    "twisted.cred.credentials": {
        "CramMD5Credentials": "CRAM-MD5 is a mail (IMAP/SMTP) mechanism; not web",
        "ISSHPrivateKey": "SSH keys belong to twisted.conch, not web",
        "SSHPrivateKey": "SSH keys belong to twisted.conch, not web",
        "DigestCredentialFactory": (
            "the digest machinery lives in plait.web.guard.DigestCredentialFactory"
        ),
    },
}

# plait module <- Twisted module, for every plait module that mirrors one.
PAIRS: dict[str, str] = {
    f"plait.{name}": f"twisted.{name}"
    for name in (
        "web.http",
        "web.http_headers",
        "web.server",
        "web.resource",
        "web.static",
        "web.script",
        "web.util",
        "web.pages",
        "web.error",
        "web.iweb",
        "web.template",
        "web.guard",
        "web.vhost",
        "web.rewrite",
        "internet.defer",
        "internet.task",
        "internet.endpoints",
        "internet.protocol",
        "internet.error",
        "internet.address",
        "internet.interfaces",
        "internet.threads",
        "internet.ssl",
        "python.failure",
        "python.log",
        "python.components",
        "python.filepath",
        "python.urlpath",
        "python.reflect",
        "logger",
        "cred.portal",
        "cred.checkers",
        "cred.credentials",
        "cred.error",
    )
}


def _source(twistedName: str) -> ast.Module:
    spec = importlib.util.find_spec(twistedName)
    assert spec is not None, twistedName
    assert spec.origin is not None, twistedName
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


def _dunderAll(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                assert node.value is not None
                return [str(x) for x in ast.literal_eval(node.value)]
    return None


def _definedNames(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _isDeprecated(module: ModuleType, name: str) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(module, name, None)
    return any(issubclass(w.category, DeprecationWarning) for w in caught)


def twistedPublicNames(twistedName: str) -> set[str]:
    """The names a Twisted module documents, without importing it when it can't be."""
    tree = _source(twistedName)
    declared = _dunderAll(tree)
    names = set(declared) if declared is not None else _definedNames(tree)
    names = {n for n in names if not n.startswith("_") and n != "TYPE_CHECKING"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(twistedName)
    except ImportError:
        # twisted.internet.ssl needs pyOpenSSL, which plait's dev environment doesn't carry.
        return names
    return {n for n in names if not _isDeprecated(module, n)}


@pytest.mark.parametrize("plaitName", sorted(PAIRS))
def test_plait_module_has_twisteds_public_names(plaitName: str) -> None:
    twistedName = PAIRS[plaitName]
    plait = importlib.import_module(plaitName)
    expected = twistedPublicNames(twistedName)
    missing = {name for name in expected if not hasattr(plait, name)}
    allowed = set(NOT_PROVIDED.get(twistedName, {}))
    assert allowed - expected == set(), "listed names that Twisted does not document (now)"
    assert missing - allowed == set(), f"{plaitName} lacks Twisted names"
    assert allowed - missing == set(), "listed as not provided, but plait has them now"


# twisted.internet.ssl needs pyOpenSSL to import, which the dev environment doesn't carry.
@pytest.mark.parametrize("plaitName", sorted(set(PAIRS) - {"plait.internet.ssl"}))
def test_names_have_the_same_kind(plaitName: str) -> None:
    """A class stays a class and a function stays callable, so subclassing and calls port."""
    twistedName = PAIRS[plaitName]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twisted = importlib.import_module(twistedName)
    plait = importlib.import_module(plaitName)
    mismatched = []
    for name in sorted(twistedPublicNames(twistedName)):
        if not hasattr(plait, name):
            continue
        theirs, ours = getattr(twisted, name), getattr(plait, name)
        if (inspect.isclass(theirs) or callable(theirs)) and not callable(ours):
            mismatched.append(name)
    assert mismatched == []


def test_every_allow_listed_module_is_compared() -> None:
    assert set(NOT_PROVIDED) <= set(PAIRS.values())
