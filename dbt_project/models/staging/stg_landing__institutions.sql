with source as (
    select * from {{ source('landing', 'institutions') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        area_code,
        institution_id,
        institution_name,
        kind,
        coalesce(is_labelled, false) as is_labelled,
        industry_system,
        industry_code,
        is_synthetic
    from source
)

select * from renamed
