-- Criteria read from production licences at T: lapsed (D.1), rectification overdue (D.3) or under way (C.1),
-- revoked (D.7); any of these fails A.7. The event date is the date that decides (expiry, deadline).
with

licences as (

    select * from {{ ref('int_licences_as_of') }}

),

d1_lapsed_licence as (

    select {{ evidence_columns('D.1', 'licence_no', 'expires_on') }}
    from licences
    where status = 'valid' and expires_on < {{ as_of_date() }}

),

d3_rectification_overdue as (

    select {{ evidence_columns('D.3', 'licence_no', 'rectify_deadline') }}
    from licences
    where status = 'rectifying' and rectify_deadline < {{ as_of_date() }}

),

d7_revoked_licence as (

    select {{ evidence_columns('D.7', 'licence_no') }}
    from licences
    where status = 'revoked'

),

-- a rectifying licence without a deadline has not passed it
c1_licence_under_rectification as (

    select {{ evidence_columns('C.1', 'licence_no', 'rectify_deadline') }}
    from licences
    where status = 'rectifying'
        and (rectify_deadline >= {{ as_of_date() }} or rectify_deadline is null)

),

a7_licence_not_in_good_standing as (

    select {{ evidence_columns('A.7', 'licence_no',
        "case status when 'rectifying' then rectify_deadline when 'valid' then expires_on end") }}
    from licences
    where status in ('rectifying', 'revoked')
        or (status = 'valid' and expires_on < {{ as_of_date() }})

)

select * from d1_lapsed_licence
union all select * from d3_rectification_overdue
union all select * from d7_revoked_licence
union all select * from c1_licence_under_rectification
union all select * from a7_licence_not_in_good_standing
