using System.Runtime.CompilerServices;
using System.Runtime.Versioning;

// The gateway runs on Linux (its embedded database uses setsid, setpriv and POSIX signals).
[assembly: UnsupportedOSPlatform("windows")]
[assembly: InternalsVisibleTo("Gateway.Tests")]
