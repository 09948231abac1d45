with source as (
    select * from {{ source('reference', 'area_code_changes') }}
),

renamed as (
    select
        country,
        area_code,
        area_name,
        new_area_code,
        new_area_name,
        change
    from source
)

select * from renamed
