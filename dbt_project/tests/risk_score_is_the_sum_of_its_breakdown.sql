-- Every C-level enterprise's risk score equals the sum of the points of its parts in the breakdown, and the
-- breakdown holds no enterprise without a risk warning row. Returns the enterprises where they differ.
with

warnings as (

    select uscc, risk_score from {{ ref('fct_risk_warnings') }}

),

parts as (

    select uscc, sum(points) as points from {{ ref('fct_risk_score_breakdown') }} group by uscc

)

select coalesce(warnings.uscc, parts.uscc) as uscc, warnings.risk_score, parts.points
from warnings
full outer join parts on warnings.uscc = parts.uscc
where warnings.uscc is null or coalesce(parts.points, 0) <> warnings.risk_score
