-- One row per landed delivery of every lake table, read from the file paths
-- (<home>/lake/<agency>/<table>/delivery=<YYYYMMDD>_<NN>/part-<sha12>.parquet), empty deliveries included.
-- The zero-row schema files (delivery=00000000_00) are not deliveries.
with

source as (

    select * from {{ source('lake', 'files') }}

),

parsed as (

    select
        regexp_extract(file, '/lake/([^/]+)/[^/]+/delivery=[0-9]{8}_[0-9]{2}/[^/]+$', 1) as agency,
        regexp_extract(file, '/lake/[^/]+/([^/]+)/delivery=[0-9]{8}_[0-9]{2}/[^/]+$', 1) as lake_table,
        regexp_extract(file, '/delivery=([0-9]{8})_[0-9]{2}/[^/]+$', 1) as delivery_day,
        regexp_extract(file, '/delivery=[0-9]{8}_([0-9]{2})/[^/]+$', 1) as delivery_sequence
    from source

),

renamed as (

    select distinct
        agency,
        lake_table,
        cast(strptime(delivery_day, '%Y%m%d') as date) as delivery_date,
        cast(delivery_sequence as integer) as delivery_seq
    from parsed
    where delivery_day <> '' and delivery_day <> '00000000'

)

select * from renamed
