with source as (
    select * from {{ source('reference', 'industry_codes') }}
),

renamed as (
    select
        industry_system,
        industry_code,
        industry_name,
        level as code_level
    from source
)

select * from renamed
