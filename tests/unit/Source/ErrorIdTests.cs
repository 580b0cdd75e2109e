using System;
using System.Linq;
using System.Reflection;
using C2WebSocket.Commands;
using Xunit;

namespace C2WebSocket.Tests.Source
{
    /// <summary>The ErrorId constants and the error table name the same ErrorIds: each constant has exactly one entry of
    /// the table and each entry a constant, so no ErrorId is written that the table (and the help) does not explain.</summary>
    public class ErrorIdTests
    {
        private static string[] Constants() =>
            typeof(C2ErrorTable).Assembly.GetType("C2WebSocket.C2ErrorId", throwOnError: true)!
                .GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue()!)
                .ToArray();

        [Fact]
        public void EveryConstantHasExactlyOneTableEntry()
        {
            var table = C2ErrorTable.All.Select(e => e.ErrorId).ToList();
            foreach (var id in Constants())
                Assert.True(table.Count(t => t == id) == 1, id + " has " + table.Count(t => t == id) + " entries in C2ErrorTable (expected exactly one).");
        }

        [Fact]
        public void EveryTableEntryHasAConstant()
        {
            var constants = Constants();
            Assert.Equal(constants.Length, constants.Distinct(StringComparer.Ordinal).Count());
            foreach (var entry in C2ErrorTable.All)
                Assert.True(constants.Contains(entry.ErrorId), entry.ErrorId + " is in C2ErrorTable but has no constant in C2ErrorId.");
        }

        [Fact]
        public void EveryConnectAndRestFailureHasAnErrorIdOfItsOwn()
        {
            var table = C2ErrorTable.All.Select(e => e.ErrorId).ToHashSet();
            var connect = Enum.GetValues(typeof(Transport.C2ConnectFailure)).Cast<Transport.C2ConnectFailure>().Select(C2ErrorTable.IdFor).ToList();
            var rest = Enum.GetValues(typeof(Rest.C2RestFailure)).Cast<Rest.C2RestFailure>().Select(C2ErrorTable.IdFor).ToList();
            Assert.All(connect.Concat(rest), id => Assert.Contains(id, table));
            Assert.Equal(connect.Count, connect.Distinct().Count());
            Assert.Equal(rest.Count, rest.Distinct().Count());
        }

        [Fact]
        public void ConstantsAreNamedAsTheirErrorId()
        {
            var type = typeof(C2ErrorTable).Assembly.GetType("C2WebSocket.C2ErrorId", throwOnError: true)!;
            foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                Assert.Equal("C2" + f.Name, (string)f.GetRawConstantValue()!);
        }
    }
}
