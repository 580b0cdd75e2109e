using System.Linq;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// The hosted engine the remaining in-process tests use (PsShell) loads the very assembly these tests reference.
    /// What users see of the module (exports, manifest, help) is tested in Pester over the built module (tests/*.Tests.ps1).
    /// </summary>
    public class ModuleSmokeTests
    {
        [Fact]
        public void Engine_and_tests_share_one_copy_of_the_module_assembly()
        {
            using var sh = new PsShell();
            var r = sh.Run("(Get-Module C2WebSocket).ImplementingAssembly");
            r.ThrowIfFailed();
            var loaded = (System.Reflection.Assembly)r.Output.Single().BaseObject;
            Assert.Same(typeof(C2Session).Assembly, loaded);
        }
    }
}
