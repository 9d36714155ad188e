using System.Runtime.Versioning;

// The gateway (and so its tests) runs on Linux only.
[assembly: UnsupportedOSPlatform("windows")]
