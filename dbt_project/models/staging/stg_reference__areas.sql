with source as (
    select * from {{ source('reference', 'areas') }}
),

renamed as (
    select
        country,
        area_code,
        area_name,
        lma_code,
        lma_name,
        province_code,
        region_code,
        region_name,
        nuts_code,
        population
    from source
)

select * from renamed
