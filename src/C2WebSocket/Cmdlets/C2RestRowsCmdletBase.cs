using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using C2WebSocket.History;
using C2WebSocket.Rest;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// The paging loop both REST cmdlets share: each page's rows go down the pipeline before the next page is asked for,
    /// with a verbose line per page (its number and rows), Write-Progress while paging, and the retries said with -Verbose.
    /// </summary>
    public abstract class C2RestRowsCmdletBase : C2RestCmdletBase
    {
        private static readonly int ProgressId = 0x2C2;

        /// <summary>Pages through one method for one strategy. <paramref name="keep"/> filters rows locally (null: all).</summary>
        internal void WriteRows(C2RestClient client, string endpoint, long strategyId, List<KeyValuePair<string, string>> query, int? limit,
            Func<C2RestRow, bool>? keep, string what)
        {
            var name = RestEndpoints.Name(endpoint);
            var id = strategyId.ToString(CultureInfo.InvariantCulture);
            var pager = new RestPager(client, endpoint, query, limit, strategyId);
            long written = 0, dropped = 0;
            var progress = new ProgressRecord(ProgressId, MyInvocation.MyCommand.Name, CmdletTexts.RestAsking(id, name));
            try
            {
                while (!pager.Done)
                {
                    WriteProgress(progress);
                    var page = Await(ct => pager.NextAsync(RequestTimeout, ct));
                    foreach (var retry in page.Retries) WriteVerbose(retry.ToString());
                    WriteVerbose(CmdletTexts.RestPage(name, id, page.Number, page.Rows.Count, pager.Done));
                    foreach (var row in page.Rows)
                    {
                        if (keep != null && !keep(row)) { dropped++; continue; }
                        WriteObject(row);
                        written++;
                    }
                    progress.StatusDescription = CmdletTexts.RestProgress(id, written, what, pager.Pages);
                }
                if (dropped > 0)
                    WriteVerbose(CmdletTexts.RestLeftOut(id, dropped));
            }
            catch (C2RestException ex)
            {
                WriteRestError(ex, strategyId);
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }
}
