with source as (
    select * from {{ source('landing', 'innovation') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        industry_system,
        industry_code,
        cast(patents as bigint) as patents,
        cast(trademarks as bigint) as trademarks,
        cast(designs as bigint) as designs,
        coalesce(patents, 0) + coalesce(trademarks, 0) + coalesce(designs, 0) as ip_rights,
        is_synthetic
    from source
)

select * from renamed
