with source as (
    select * from {{ source('landing', 'workforce') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        industry_system,
        industry_code,
        cast(workers as bigint) as workers,
        cast(skilled_workers as bigint) as skilled_workers,
        cast(wage_bill as double) as wage_bill,
        is_synthetic
    from source
)

select * from renamed
