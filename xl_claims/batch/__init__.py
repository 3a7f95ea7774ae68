"""The weekly batch: decide every claim line of every input, write the processed workbooks and the
run's ``summary.xlsx``. One bad file never stops the others; every failure is a one-line message.

``process_files`` is what ``xl-claims process`` calls (``run``); which files are read and
where each output goes is ``xl_claims.batch.paths``; one input's package edited into its output
is ``workbook``; deciding its lines is ``lines``; what the run keeps of them (totals, the
spill) is ``store``; the result is ``results``.
"""

from xl_claims.batch.paths import SUMMARY_NAME, expand_inputs, plan_outputs
from xl_claims.batch.results import BatchResult, FileResult
from xl_claims.batch.run import PROGRESS_EVERY, process_files
from xl_claims.batch.store import Line
from xl_claims.core.errors import UsageError

__all__ = [
    "PROGRESS_EVERY",
    "SUMMARY_NAME",
    "BatchResult",
    "FileResult",
    "Line",
    "UsageError",
    "expand_inputs",
    "plan_outputs",
    "process_files",
]
