with source as (
    select * from {{ source('landing', 'population') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        cast(population as bigint) as population,
        is_synthetic
    from source
)

select * from renamed
