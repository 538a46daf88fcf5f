using System.Runtime.InteropServices;

namespace Consilium.Local.Processes;

/// <summary>Sends a POSIX signal to another process; .NET can only send SIGKILL (<see cref="System.Diagnostics.Process.Kill()"/>).</summary>
internal static partial class PosixSignals
{
    private const int SigTerm = 15; // the same number on Linux and macOS

    /// <summary>Asks the process to stop (SIGTERM). False where signals do not exist or the process is gone.</summary>
    public static bool Terminate(int processId) =>
        !OperatingSystem.IsWindows() && Kill(processId, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
