with source as (
    select * from {{ source('reference', 'industry_crosswalk') }}
),

renamed as (
    select
        industry_system,
        industry_code,
        target_system,
        target_code,
        coalesce(is_partial, false) as is_partial
    from source
)

select * from renamed
