using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>
/// A real single-node Slurm cluster started by the test: Debian's slurm-wlm and munge (installed on first use),
/// munged on a private socket with a fresh key, slurmctld and slurmd on free loopback ports, process tracking by
/// /proc (no cgroups), one partition of the machine's cores. Commands reach it through SLURM_CONF. Runs as root, as CI does.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    readonly TempDir _dir = new();
    public string Conf => _dir["slurm.conf"];
    public (string, string?)[] Environment => [("SLURM_CONF", Conf)];

    public SlurmCluster()
    {
        DebianPackage.Ensure("munge", "/usr/sbin/munged");
        DebianPackage.Ensure("slurm-wlm", "/usr/sbin/slurmctld");
        foreach (var d in new[] { "state", "spool", "log" }) Directory.CreateDirectory(_dir[d]);
        File.WriteAllBytes(_dir["munge.key"], System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_dir["munge.key"], UnixFileMode.UserRead);
        Run("/usr/sbin/munged", "--force", "-S", _dir["munge.socket"], $"--key-file={_dir["munge.key"]}", $"--log-file={_dir["log/munged.log"]}",
            $"--pid-file={_dir["munged.pid"]}", $"--seed-file={_dir["munged.seed"]}");
        string host = Dns.GetHostName().Split('.')[0];
        File.WriteAllText(Conf, $"""
            ClusterName=persona
            SlurmctldHost={host}(127.0.0.1)
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            AuthType=auth/munge
            AuthInfo=socket={_dir["munge.socket"]}
            CredType=cred/munge
            MpiDefault=none
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            StateSaveLocation={_dir["state"]}
            SlurmdSpoolDir={_dir["spool"]}
            SlurmctldPidFile={_dir["slurmctld.pid"]}
            SlurmdPidFile={_dir["slurmd.pid"]}
            SlurmUser=root
            SlurmdUser=root
            SlurmctldLogFile={_dir["log/slurmctld.log"]}
            SlurmdLogFile={_dir["log/slurmd.log"]}
            ReturnToService=2
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            NodeName={host} NodeAddr=127.0.0.1 CPUs={System.Environment.ProcessorCount} RealMemory=1000 State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
            """);
        Run("/usr/sbin/slurmctld", "-i");
        Run("/usr/sbin/slurmd");
        var clock = Stopwatch.StartNew();
        while (!Command("sinfo", "-h", "-o", "%T").Contains("idle"))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new InvalidOperationException("the Slurm node did not come up: " + File.ReadAllText(_dir["log/slurmd.log"]));
            Thread.Sleep(300);
        }
    }

    /// <summary>Runs a Slurm client command against this cluster; returns its stdout.</summary>
    public string Command(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Conf;
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return stdout + stderr;
    }

    void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Conf;
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {err}");
    }

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        try { Command("scancel", "--user=root"); } catch { }
        foreach (var pid in new[] { "slurmd.pid", "slurmctld.pid", "munged.pid" })
            if (File.Exists(_dir[pid]) && int.TryParse(File.ReadAllText(_dir[pid]).Trim(), out int id))
                try { Process.GetProcessById(id).Kill(); } catch { }
        Thread.Sleep(500);
        _dir.Dispose();
    }
}
