using System.Diagnostics;

namespace Gateway.Silo.Database;

/// <summary>Starts the postgres server process in its own session, with a parent-death signal.</summary>
internal static class PostgresLauncher
{
    public static Process Launch(string postgres, IReadOnlyList<string> arguments, bool runAsPostgres,
        ManualResetEventSlim release, Queue<string> recentOutput, ILogger logger)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("setpriv");
        if (runAsPostgres)
        {
            start.ArgumentList.Add($"--reuid={PostgresCluster.SystemUser}");
            start.ArgumentList.Add($"--regid={PostgresCluster.SystemUser}");
            start.ArgumentList.Add("--init-groups");
        }
        // SIGINT is PostgreSQL's fast shutdown; the postmaster installs its own handler for it.
        start.ArgumentList.Add("--pdeathsig=INT");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(postgres);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The parent-death signal fires when the *thread* that forked the server ends, so the fork happens on a
        // thread that lives until this server is disposed (or the process dies).
        Process? process = null;
        Exception? failure = null;
        using var started = new ManualResetEventSlim();
        var launcher = new Thread(() =>
        {
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("PostgreSQL did not start.");
            }
            catch (Exception e)
            {
                failure = e;
            }
            started.Set();
            if (failure is null)
            {
                release.Wait();
            }
        })
        {
            IsBackground = true,
            Name = "embedded-postgres-launcher",
        };
        launcher.Start();
        started.Wait();
        if (failure is not null)
        {
            throw new InvalidOperationException($"Could not start PostgreSQL ({postgres}): {failure.Message}", failure);
        }

        void Capture(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            lock (recentOutput)
            {
                recentOutput.Enqueue(e.Data);
                if (recentOutput.Count > 40)
                {
                    recentOutput.Dequeue();
                }
            }
            logger.LogDebug("postgres: {Line}", e.Data);
        }

        process!.OutputDataReceived += Capture;
        process.ErrorDataReceived += Capture;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
