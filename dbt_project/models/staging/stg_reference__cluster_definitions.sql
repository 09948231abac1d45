with source as (
    select * from {{ source('reference', 'cluster_definitions') }}
),

renamed as (
    select
        cluster_scheme,
        cluster_code,
        cluster_name,
        cluster_type,
        industry_system,
        industry_code
    from source
)

select * from renamed
