with source as (
    select * from {{ source('landing', 'imports') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        product_system,
        product_code,
        cast(import_value as double) as import_value,
        currency,
        is_synthetic
    from source
)

select * from renamed
