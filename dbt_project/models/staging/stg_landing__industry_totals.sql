with source as (
    select * from {{ source('landing', 'industry_totals') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        industry_system,
        industry_code,
        cast(establishments as bigint) as establishments,
        cast(employees as bigint) as employees
    from source
)

select * from renamed
