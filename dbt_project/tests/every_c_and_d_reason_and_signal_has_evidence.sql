-- Evidence: every reason code of a C- or D-level enterprise and every signal of a graded enterprise has at
-- least one row in the evidence naming a delivered record (file and line). Returns the codes without one.
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

codes as (

    select uscc, unnest(string_split(reasons, ';')) as code
    from levels
    where level in ('C', 'D') and reasons <> ''
    union all
    select uscc, unnest(string_split(signals, ';')) as code
    from levels
    where signals <> ''

),

cited as (

    select distinct uscc, code
    from {{ ref('fct_criterion_evidence') }}
    where source_file is not null and source_line is not null

)

select codes.uscc, codes.code
from codes
anti join cited on codes.uscc = cited.uscc and codes.code = cited.code
