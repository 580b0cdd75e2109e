using System.Management.Automation;

namespace BenchMinimal
{
    /// <summary>What the module's output looks like to the format file.</summary>
    public sealed class MinimalItem
    {
        public int Id { get; set; }
        public string Name { get; set; }
    }

    /// <summary>The one cmdlet of the cold-start baseline module.</summary>
    [Cmdlet(VerbsCommon.Get, "BenchMinimalItem")]
    [OutputType(typeof(MinimalItem))]
    public sealed class GetBenchMinimalItemCommand : PSCmdlet
    {
        [Parameter(Position = 0)]
        public int Id { get; set; }

        protected override void ProcessRecord() => WriteObject(new MinimalItem { Id = Id, Name = "item" });
    }
}
