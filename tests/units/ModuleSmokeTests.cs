using System.Linq;
using Xunit;

namespace C2WebSocket.Tests
{
    public class ModuleSmokeTests
    {
        [Fact]
        public void Module_imports_through_its_manifest_and_exports_the_cmdlets()
        {
            using var sh = new PsShell();
            var r = sh.Run("Get-Command -Module C2WebSocket | ForEach-Object Name");
            r.ThrowIfFailed();
            var names = r.Output.Select(o => o.ToString()).OrderBy(n => n).ToArray();
            Assert.Equal(new[] { "Add-C2Subscription", "Connect-C2Socket", "Disconnect-C2Socket", "Get-C2Session", "Get-C2Subscription", "Receive-C2Signal", "Remove-C2Subscription", "Test-C2Connection" }, names);
        }
    
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
