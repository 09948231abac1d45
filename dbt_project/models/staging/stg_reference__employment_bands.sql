with source as (
    select * from {{ source('reference', 'employment_bands') }}
),

renamed as (
    select
        band_system,
        band_text,
        cast(lower as bigint) as lower_employees,
        cast(upper as bigint) as upper_employees,
        cast(estimate as double) as estimate_employees,
        rule as conversion_rule
    from source
)

select * from renamed
