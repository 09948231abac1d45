-- Area x industry cells as they may be published: CONF_STATUS and OBS_STATUS on every row, and NULL (never 0) for
-- every value of a cell the disclosure rules suppress, with what is derived from it (LQ, shares, prevalence).
-- Register cells take their status from intermediate.int_disclosure_suppression (primary A, O, T; secondary D);
-- cells of official statistics are published aggregates and keep their own flags (C where the source withheld
-- the employment). Where a country's total of a class must be withheld, the cells' national shares and LQs,
-- which would reveal it, are withheld too. Built per country x year partition.
-- depends_on: {{ ref('int_partition_inputs') }}
with cells as (
    select * from {{ ref('int_area_industry_named') }} where {{ in_partitions_to_build() }}
),

suppression as (
    select * from {{ ref('int_disclosure_suppression') }}
),

statused as (
    select
        c.*,
        case
            when s.conf_status is not null then s.conf_status
            when c.is_employment_withheld then 'C'
            else 'F'
        end as conf_status,
        n.conf_status is not null as is_national_total_withheld
    from cells as c
    left join suppression as s
        on s.object = 'area_industry' and s.country = c.country and s.ref_year = c.ref_year
        and s.area_code = c.area_code and s.industry_system = c.industry_system and s.industry_code = c.industry_code
    left join suppression as n
        on n.object = 'national_class' and n.country = c.country and n.ref_year = c.ref_year
        and n.industry_system = c.industry_system and n.industry_code = c.industry_code
)

select
    country,
    ref_year,
    area_code,
    area_name,
    industry_system,
    industry_code,
    industry_name,
    isic4_code,
    isic4_link_count,
    case when conf_status in ('F', 'C') then establishments end as establishments,
    case when conf_status = 'F' then employees end as employees,
    case when conf_status in ('F', 'C') then payroll end as payroll,
    case when conf_status = 'F' and not is_national_total_withheld then lq end as lq,
    case when conf_status = 'F' and not is_national_total_withheld then national_share end as national_share,
    case when conf_status = 'F' then prevalence_index end as prevalence_index,
    lq_reference,
    is_employment_withheld,
    is_estimate,
    is_synthetic,
    conf_status,
    -- The status of the values derived with the national total (LQ, national share): the cell's own, or D where
    -- only the country's total of the class is withheld.
    case when conf_status <> 'F' then conf_status when is_national_total_withheld then 'D' else 'F' end
        as lq_conf_status,
    case when is_estimate then 'E' else 'A' end as obs_status
from statused
