-- Published from intermediate.int_district_lifecycle (marts only select what is published; models read the
-- intermediate layer). Growth against the national industry, the entry ratio and the LQ change are computed
-- from the district's totals of this year and of the year before it: they are withheld (NULL) where either
-- total is (intermediate.int_district_total_status), and the stage, computed from them, carries that status.
with totals as (
    select
        district_id,
        ref_year,
        conf_status,
        lag(conf_status) over (partition by district_id order by ref_year) as previous_conf_status
    from {{ ref('int_district_total_status') }}
),

statused as (
    select
        l.*,
        {{ inherited_conf_status(["coalesce(t.conf_status, 'F')", "coalesce(t.previous_conf_status, 'F')"]) }}
            as conf_status
    from {{ ref('int_district_lifecycle') }} as l
    left join totals as t on t.district_id = l.district_id and t.ref_year = l.ref_year
)

select * replace (
    case when conf_status = 'F' then growth_vs_national_pp end as growth_vs_national_pp,
    case when conf_status = 'F' then entry_ratio end as entry_ratio,
    case when conf_status = 'F' then lq_change end as lq_change
)
from statused
