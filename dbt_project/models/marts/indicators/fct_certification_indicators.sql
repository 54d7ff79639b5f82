-- Certification and licensing indicators per graded enterprise at T: production licences and quality awards.
with

enterprises as (select * from {{ ref('int_graded_enterprises') }}),

licences as (select * from {{ ref('int_licences_as_of') }}),

awards as (select * from {{ ref('int_awards_as_of') }}),

licence_counts as (

    select
        uscc,
        sum(case when status = 'valid' and expires_on >= {{ as_of_date() }} then 1 else 0 end) as valid_licences,
        sum(case when status = 'valid' and expires_on < {{ as_of_date() }} then 1 else 0 end) as lapsed_licences,
        sum(case when status = 'rectifying' then 1 else 0 end) as licences_under_rectification,
        sum(case when status = 'revoked' then 1 else 0 end) as revoked_licences
    from licences
    group by uscc

),

award_counts as (

    select uscc, count(*) as active_awards
    from awards
    where status = 'active' and (expires_on is null or expires_on >= {{ as_of_date() }})
    group by uscc

),

final as (

    select
        enterprises.uscc,
        coalesce(licence_counts.valid_licences, 0) as valid_licences,
        coalesce(licence_counts.lapsed_licences, 0) as lapsed_licences,
        coalesce(licence_counts.licences_under_rectification, 0) as licences_under_rectification,
        coalesce(licence_counts.revoked_licences, 0) as revoked_licences,
        coalesce(award_counts.active_awards, 0) as active_awards
    from enterprises
    left join licence_counts on enterprises.uscc = licence_counts.uscc
    left join award_counts on enterprises.uscc = award_counts.uscc

)

select * from final
