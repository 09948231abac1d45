with source as (
    select * from {{ source('landing', 'exports') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        product_system,
        product_code,
        cast(export_value as double) as export_value,
        currency,
        is_synthetic
    from source
)

select * from renamed
