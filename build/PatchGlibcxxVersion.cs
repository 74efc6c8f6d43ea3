// MSBuild inline task (RoslynCodeTaskFactory): marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13) but references only one symbol of
// that version, std::ios_base_library_init(), which nothing calls. Debian 12 ships GCC 12's libstdc++
// (GLIBCXX_3.4.30), so dlopen fails with "version `GLIBCXX_3.4.32' not found". Setting VER_FLG_WEAK (2) in the
// vna_flags of that one Vernaux entry in .gnu.version_r turns the hard failure into a loader warning that is
// never printed. See DESIGN.md, "TorchSharp on Debian 12". The patch is idempotent and touches nothing else.
#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchGlibcxxVersion : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The symbol version to weaken.</summary>
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    /// <summary>Patch even where this machine's libstdc++ has <see cref="Version"/> (publish output runs elsewhere).</summary>
    public bool Always { get; set; }

    /// <summary>Set by the task: false when the system libstdc++ already provides <see cref="Version"/>.</summary>
    [Output] public bool Needed { get; set; }

    public override bool Execute()
    {
        string? provider = Always ? null : FindSystemLibstdcxxWith(Version);
        Needed = provider is null;
        if (!Needed)
        {
            Log.LogMessage(MessageImportance.Low, $"kiln: {provider} provides {Version}; no patch needed");
            return true;
        }
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            try
            {
                switch (Patch(path, Version))
                {
                    case Outcome.Patched: Log.LogMessage(MessageImportance.High, $"kiln: marked {Version} weak in {path}"); break;
                    case Outcome.AlreadyWeak: Log.LogMessage(MessageImportance.Low, $"kiln: {Version} already weak in {path}"); break;
                    case Outcome.NotRequired: Log.LogMessage(MessageImportance.Low, $"kiln: {path} does not require {Version}"); break;
                }
            }
            catch (Exception e)
            {
                Log.LogError($"kiln: could not patch {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    enum Outcome { Patched, AlreadyWeak, NotRequired }

    static Outcome Patch(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);

        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;

            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            uint link = BitConverter.ToUInt32(elf, sh + 0x28);
            uint count = BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtab = checked((int)BitConverter.ToUInt64(elf, checked((int)shoff + (int)link * shentsize) + 0x18));

            int vn = offset;
            for (uint n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameOffset = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (ReadCString(elf, nameOffset) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlgWeak) != 0) return Outcome.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        string temp = path + ".kiln-patch";
                        File.WriteAllBytes(temp, elf);
                        File.Copy(temp, path, overwrite: true);
                        File.Delete(temp);
                        return Outcome.Patched;
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        return Outcome.NotRequired;
    }

    static readonly string[] LibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    /// <summary>The first system libstdc++ whose version definitions name <paramref name="version"/>, or null.</summary>
    static string? FindSystemLibstdcxxWith(string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string candidate in LibstdcxxCandidates)
        {
            if (!File.Exists(candidate)) continue;
            if (Contains(File.ReadAllBytes(candidate), needle)) return candidate;
        }
        return null;
    }

    // Inline tasks compile against netstandard2.0, which has no Span search.
    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length;
             i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int k = 1;
            while (k < needle.Length && haystack[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }

    static string ReadCString(byte[] data, int start)
    {
        int end = Array.IndexOf(data, (byte)0, start);
        return Encoding.ASCII.GetString(data, start, end - start);
    }
}
