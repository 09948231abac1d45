with source as (
    select * from {{ source('reference', 'area_lma') }}
),

renamed as (
    select
        country,
        area_code,
        lma_code,
        lma_name,
        geo_vintage,
        cast(priority as integer) as priority,
        is_synthetic
    from source
)

select * from renamed
