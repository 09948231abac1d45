-- Published precision: LQ 6 decimals, shares 8, prevalence index 2 (floating-point sums
-- in a different order must not change a published value). Built per country x year partition.
-- depends_on: {{ ref('int_partition_inputs') }}
with lq as (
    select * from {{ ref('int_area_industry_lq') }} where {{ in_partitions_to_build() }}
),

areas as (
    select * from {{ ref('stg_reference__areas') }}
),

codes as (
    select * from {{ ref('stg_reference__industry_codes') }}
),

isic_links as (
    -- The primary ISIC Rev.4 class of a code: its only link, or the lowest of several
    -- (isic4_link_count > 1 says the code is split across classes).
    select
        industry_system,
        industry_code,
        min(target_code) as isic4_code,
        count(*) as isic4_link_count
    from {{ ref('stg_reference__industry_crosswalk') }}
    where target_system = 'ISIC4'
    group by industry_system, industry_code
),

final as (
    select
        lq.country,
        lq.ref_year,
        lq.area_code,
        areas.area_name,
        lq.industry_system,
        lq.industry_code,
        codes.industry_name,
        case when lq.industry_system = 'ISIC4' then lq.industry_code else isic.isic4_code end as isic4_code,
        case when lq.industry_system = 'ISIC4' then 1 else isic.isic4_link_count end as isic4_link_count,
        lq.establishments,
        lq.employees,
        lq.payroll,
        round(lq.lq, 6) as lq,
        round(lq.national_share, 8) as national_share,
        round(lq.prevalence_index, 2) as prevalence_index,
        lq.lq_reference,
        lq.is_employment_withheld,
        lq.is_estimate,
        lq.is_synthetic
    from lq
    left join areas on lq.country = areas.country and lq.area_code = areas.area_code
    left join codes on lq.industry_system = codes.industry_system and lq.industry_code = codes.industry_code
    left join isic_links as isic
        on lq.industry_system = isic.industry_system and lq.industry_code = isic.industry_code
)

select * from final
