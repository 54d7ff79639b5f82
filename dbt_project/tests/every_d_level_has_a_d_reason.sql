-- Invariant: every level carries the codes that decided it. A D row without a D code (or a C row without a C
-- code) is a grading error.
select uscc, level, reasons
from {{ ref('fct_enterprise_levels') }}
where (level = 'D' and reasons not like '%D.%')
    or (level = 'C' and reasons not like '%C.%')
    or (level = 'A' and reasons <> '')
    or (level = 'B' and reasons = '')
