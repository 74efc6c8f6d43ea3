using System.Globalization;

namespace Kiln.Distributed;

/// <summary>
/// MMEngine's <c>init_dist(launcher)</c> (DIST-01, RUN-11) for Kiln's transport, MPI:
/// <list type="bullet">
/// <item><c>'none'</c>: one process (<see cref="SingleProcessGroup"/>);</item>
/// <item><c>'mpi'</c>: started by Open MPI's <c>mpirun -np N kiln train CONFIG --launcher mpi</c>; MPI is
/// initialised and its group becomes <see cref="Dist.Current"/>;</item>
/// <item><c>'pytorch'</c>: torchrun's variables (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>) are read, but Kiln
/// has no TCP rendezvous at <c>MASTER_ADDR:MASTER_PORT</c>; under <c>mpirun</c> the ranks talk over MPI (and the
/// variables must agree with MPI's), otherwise it is an error saying how to launch;</item>
/// <item><c>'slurm'</c>: not built (MMEngine reads <c>SLURM_PROCID</c> and starts a TCP store); run Open MPI's mpirun
/// inside the allocation with <c>--launcher mpi</c> instead.</item>
/// </list>
/// A group already installed (a test's, or a second Runner in the same process) is kept.
/// </summary>
public static class Launcher
{
    public static readonly string[] Valid = ["none", "pytorch", "slurm", "mpi"];

    /// <summary>Installs and returns the process group for <paramref name="launcher"/>.</summary>
    public static IProcessGroup Init(object? launcher)
    {
        string name = launcher as string ?? throw new KilnException(
            $"launcher = {Config.ConfigFormatter.Format(launcher)} must be one of {string.Join(", ", Valid.Select(v => $"'{v}'"))}.");
        switch (name)
        {
            case "none":
                return Dist.Current;
            case "mpi":
                return InitMpi("launcher='mpi'");
            case "pytorch":
                return InitPytorch();
            case "slurm":
                throw new KilnException("launcher='slurm' is not built in Kiln (MMEngine starts a TCP store from SLURM_PROCID); "
                    + "inside a Slurm allocation run `mpirun -np N kiln train CONFIG --launcher mpi` (Open MPI reads the allocation).");
            default:
                throw new KilnException($"launcher = '{name}' is not a launcher; valid: {string.Join(", ", Valid.Select(v => $"'{v}'"))}.");
        }
    }

    private static IProcessGroup InitMpi(string what)
    {
        if (Dist.Current is not SingleProcessGroup) return Dist.Current;
        if (!MpiProcessGroup.IsAvailable(out var reason)) throw new KilnException($"{what}: {reason}");
        if (!MpiProcessGroup.LaunchedByMpirun)
            throw new KilnException($"{what} needs the processes started by Open MPI: `mpirun -np N kiln train CONFIG --launcher mpi` "
                + "(as root add --allow-run-as-root); this process was not (OMPI_COMM_WORLD_SIZE is not set).");
        var group = MpiProcessGroup.Initialize();
        Dist.Current = group;
        return group;
    }

    private static IProcessGroup InitPytorch()
    {
        string? rank = Environment.GetEnvironmentVariable("RANK");
        string? worldSize = Environment.GetEnvironmentVariable("WORLD_SIZE");
        if (!MpiProcessGroup.LaunchedByMpirun)
        {
            string seen = rank is null && worldSize is null ? "RANK and WORLD_SIZE are not set"
                : $"RANK={rank ?? "(unset)"}, WORLD_SIZE={worldSize ?? "(unset)"}, MASTER_ADDR={Environment.GetEnvironmentVariable("MASTER_ADDR") ?? "(unset)"}";
            throw new KilnException($"launcher='pytorch': {seen}. Kiln's ranks communicate over MPI, not torchrun's TCP rendezvous: "
                + "start them with `mpirun -np N kiln train CONFIG --launcher mpi` (or --launcher pytorch under mpirun).");
        }
        var group = InitMpi("launcher='pytorch'");
        if (rank is not null && rank != group.Rank.ToString(CultureInfo.InvariantCulture)
            || worldSize is not null && worldSize != group.WorldSize.ToString(CultureInfo.InvariantCulture))
            throw new KilnException($"launcher='pytorch': RANK={rank}, WORLD_SIZE={worldSize} disagree with MPI's rank {group.Rank} of {group.WorldSize}; unset them or launch with mpirun alone.");
        return group;
    }
}
