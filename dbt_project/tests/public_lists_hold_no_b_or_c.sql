-- Invariant: B and C levels are confidential. The public A list holds only A enterprises, the public D list only
-- D enterprises, and nothing public contradicts the graded level.
select public_a.uscc, 'public_a_list' as public_file, levels.level
from {{ ref('public_a_list') }} as public_a
left join {{ ref('fct_enterprise_levels') }} as levels on public_a.uscc = levels.uscc
where public_a.level <> 'A' or levels.level is distinct from 'A'

union all

select public_d.uscc, 'public_d_list' as public_file, levels.level
from {{ ref('public_d_list') }} as public_d
left join {{ ref('fct_enterprise_levels') }} as levels on public_d.uscc = levels.uscc
where public_d.level <> 'D' or levels.level is distinct from 'D'
