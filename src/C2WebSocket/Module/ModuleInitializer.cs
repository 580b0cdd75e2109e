using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace C2WebSocket.Module
{
    /// <summary>
    /// Installs the dependency resolver when the module is imported and removes it when the module is removed.
    /// On PowerShell 7 the runtime finds everything itself (it carries a newer System.Text.Json), so the handler
    /// is only ever consulted for names the runtime could not resolve.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static int _imports;

        internal static string DependencyFolder =>
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        /// <summary>
        /// The handler is process-wide while the assembly is loaded once per process: it is installed by the first
        /// import and removed when the last runspace that imported the module removes it.
        /// </summary>
        public void OnImport()
        {
            lock (Gate)
            {
                if (_imports++ > 0) return;
                // No scan here: reading the version of every file in dependencies/ cost ~10 ms of each import; the
                // handler reads only the file a failed resolve names (see Available).
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
            }
        }

        private static readonly Dictionary<string, (string Path, Version Version)?> Probed = new Dictionary<string, (string Path, Version Version)?>(StringComparer.OrdinalIgnoreCase);
        private static string[]? _files;

        /// <summary>What dependencies/ offers for one simple name: the file of that name (any letter case), its version
        /// read once; nothing for a name it does not have (runtimes ask for resource assemblies and the like).</summary>
        private static IReadOnlyDictionary<string, (string Path, Version Version)> Available(string name)
        {
            var result = new Dictionary<string, (string Path, Version Version)>(StringComparer.OrdinalIgnoreCase);
            lock (Gate)
            {
                if (!Probed.TryGetValue(name, out var entry))
                {
                    entry = null;
                    _files ??= Directory.Exists(DependencyFolder) ? Directory.GetFiles(DependencyFolder, "*.dll") : Array.Empty<string>();
                    foreach (var path in _files)
                    {
                        if (!string.Equals(Path.GetFileNameWithoutExtension(path), name, StringComparison.OrdinalIgnoreCase)) continue;
                        try { entry = (path, AssemblyName.GetAssemblyName(path).Version ?? new Version(0, 0, 0, 0)); }
                        catch (Exception ex) when (ex is BadImageFormatException || ex is IOException || ex is UnauthorizedAccessException) { /* never resolve to it */ }
                        break;
                    }
                    Probed[name] = entry;
                }
                if (entry is (string, Version) found) result[name] = found;
            }
            return result;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (_imports == 0 || --_imports > 0) return;
                AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
            }
        }

        internal static bool IsInstalled { get { lock (Gate) return _imports > 0; } }
        internal static int ImportCount { get { lock (Gate) return _imports; } }

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            try
            {
                var requested = new AssemblyName(args.Name);
                if (requested.Name == null) return null;
                var available = Available(requested.Name);
                if (available.Count == 0) return null;
                var loaded = AppDomain.CurrentDomain.GetAssemblies();
                var names = new List<AssemblyName>(loaded.Length);
                foreach (var a in loaded)
                {
                    try { names.Add(a.GetName()); } catch (Exception) { /* dynamic or broken: skip */ }
                }
                var d = DependencyResolution.Decide(requested, available, names);
                switch (d.Kind)
                {
                    case DependencyResolution.Action.LoadFile:
                        return Assembly.LoadFrom(d.Path!);
                    case DependencyResolution.Action.UseLoaded:
                        foreach (var a in loaded)
                        {
                            try { if (AssemblyName.ReferenceMatchesDefinition(d.Loaded, a.GetName()) && a.GetName().Version == d.Loaded!.Version) return a; }
                            catch (Exception) { }
                        }
                        return null;
                    default:
                        return null;
                }
            }
            catch (Exception)
            {
                // An exception escaping an AssemblyResolve handler surfaces as a confusing load failure elsewhere.
                return null;
            }
        }
    }
}
