with source as (
    select * from {{ source('landing', 'input_output') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        industry_system,
        supplier_code,
        user_code,
        cast(coefficient as double) as coefficient,
        is_synthetic
    from source
)

select * from renamed
