with source as (
    select * from {{ source('reference', 'lma_specialisation') }}
),

renamed as (
    select
        country,
        geo_vintage,
        lma_code,
        lma_name,
        specialisation_class,
        specialisation_class_name,
        specialisation_group,
        specialisation_group_name
    from source
)

select * from renamed
