-- One row per landed input and its content hash (the fingerprints of incremental builds are made of these).
with source as (
    select * from {{ source('landing', 'loads') }}
),

renamed as (
    select
        catalogue_entry,
        country,
        cast(ref_year as integer) as ref_year,
        input_sha256
    from source
)

select * from renamed
