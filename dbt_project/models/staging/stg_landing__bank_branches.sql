with source as (
    select * from {{ source('landing', 'bank_branches') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        cast(branches as bigint) as branches,
        cast(local_bank_branches as bigint) as local_bank_branches,
        is_synthetic
    from source
)

select * from renamed
