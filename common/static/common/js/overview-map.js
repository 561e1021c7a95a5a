/* global ol */
'use strict';
// Draws a GeoJSON FeatureCollection (EPSG:4326) on an OpenLayers map: embedded
// in the page with json_script (data-source: the script's id), or fetched from
// data-url (the change lists: their own URL plus _overview=1). Each feature may carry the properties
// `label` (tooltip), `url` (opened on click), `color` and `width`.
// Optional, on the container:
//   data-reference-url     GeoJSON fetched and drawn thin under the records
//                          (the pipelines); its count lands in data-reference-count
//   data-overlay-source    id of another embedded FeatureCollection drawn on top
//                          (e.g. the features behind an HCA), with `label` written
//                          beside each feature whose `text` property is true;
//                          its count lands in data-overlay-count
(function () {
    function styleFor(feature) {
        const color = feature.get('color') || '#1f5fa8';
        const geometryType = feature.getGeometry().getType();
        if (geometryType.includes('Point')) {
            return new ol.style.Style({
                image: new ol.style.Circle({
                    radius: 5,
                    fill: new ol.style.Fill({color: color}),
                    stroke: new ol.style.Stroke({color: '#fff', width: 1})
                })
            });
        }
        return new ol.style.Style({stroke: new ol.style.Stroke({color: color, width: feature.get('width') || 2})});
    }

    function referenceStyle(feature) {
        return new ol.style.Style({
            stroke: new ol.style.Stroke({color: feature.get('color') || '#7f8c8d', width: 1.5, lineDash: [6, 3]})
        });
    }

    function overlayStyle(feature) {
        const color = feature.get('color') || '#8e44ad';
        const fill = new ol.style.Fill({color: ol.color.asString(ol.color.asArray(color).slice(0, 3).concat([0.25]))});
        const stroke = new ol.style.Stroke({color: color, width: 2});
        const style = new ol.style.Style({
            fill: fill,
            stroke: stroke,
            image: new ol.style.Circle({radius: 6, fill: new ol.style.Fill({color: color}), stroke: new ol.style.Stroke({color: '#fff', width: 1})})
        });
        if (feature.get('text') && feature.get('label')) {
            style.setText(new ol.style.Text({
                text: feature.get('label'),
                font: '12px sans-serif',
                offsetY: -12,
                overflow: true,
                fill: new ol.style.Fill({color: '#222'}),
                stroke: new ol.style.Stroke({color: '#fff', width: 3})
            }));
        }
        return style;
    }

    function readData(data) {
        return new ol.format.GeoJSON().readFeatures(data, {dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857'});
    }

    function readEmbedded(id) {
        return readData(JSON.parse(document.getElementById(id).textContent));
    }

    function init(container, features) {
        const layers = [];
        if (container.dataset.tileUrl) {
            layers.push(new ol.layer.Tile({source: new ol.source.XYZ({
                url: container.dataset.tileUrl, attributions: container.dataset.tileAttribution || ''
            })}));
        }
        if (container.dataset.referenceUrl) {
            const reference = new ol.source.Vector({url: container.dataset.referenceUrl, format: new ol.format.GeoJSON()});
            reference.on('featuresloadend', function () {
                container.dataset.referenceCount = String(reference.getFeatures().length);
            });
            layers.push(new ol.layer.Vector({source: reference, style: referenceStyle}));
        }
        const source = new ol.source.Vector({features: features});
        const mainLayer = new ol.layer.Vector({source: source, style: styleFor});
        layers.push(mainLayer);
        const extent = source.getExtent();
        let overlayLayer = null;
        if (container.dataset.overlaySource) {
            const overlay = readEmbedded(container.dataset.overlaySource);
            overlayLayer = new ol.layer.Vector({source: new ol.source.Vector({features: overlay}), style: overlayStyle});
            layers.push(overlayLayer);
            overlay.forEach(function (f) { ol.extent.extend(extent, f.getGeometry().getExtent()); });
            container.dataset.overlayCount = String(overlay.length);
            container.overlayLabels = overlay.map(function (f) { return f.get('label'); });
        }
        const view = new ol.View({
            center: ol.proj.fromLonLat([parseFloat(container.dataset.lon), parseFloat(container.dataset.lat)]),
            zoom: parseFloat(container.dataset.zoom)
        });
        const map = new ol.Map({target: container, layers: layers, view: view});
        if (!ol.extent.isEmpty(extent)) {
            view.fit(extent, {padding: [20, 20, 20, 20], maxZoom: 15});
        }
        container.dataset.featureCount = String(features.length);
        const tooltip = container.querySelector('.map-tooltip');
        const clickable = function (layer) { return layer === mainLayer || layer === overlayLayer; };
        map.on('pointermove', function (event) {
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4});
            const target = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4, layerFilter: clickable});
            map.getTargetElement().style.cursor = target && target.get('url') ? 'pointer' : '';
            if (tooltip) {
                const text = feature && (feature.get('title') ? feature.get('label') + ' · ' + feature.get('title') : feature.get('label'));
                if (text) {
                    tooltip.textContent = text;
                    tooltip.style.left = (event.pixel[0] + 12) + 'px';
                    tooltip.style.top = (event.pixel[1] + 12) + 'px';
                    tooltip.style.display = 'block';
                } else {
                    tooltip.style.display = 'none';
                }
            }
        });
        map.on('singleclick', function (event) {
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4, layerFilter: clickable});
            if (feature && feature.get('url')) {
                window.location.href = feature.get('url');
            }
        });
        container.overviewMap = map;
        container.classList.add('map-ready');
    }

    document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('.overview-map[data-source]').forEach(function (container) {
            init(container, readEmbedded(container.dataset.source));
        });
        document.querySelectorAll('.overview-map[data-url]').forEach(function (container) {
            fetch(container.dataset.url, {credentials: 'same-origin', headers: {Accept: 'application/geo+json'}})
                .then(function (response) {
                    if (!response.ok) { throw new Error(response.status + ' ' + response.statusText); }
                    return response.json();
                })
                .then(function (data) { init(container, readData(data)); })
                .catch(function (error) {
                    container.dataset.error = String(error);
                    init(container, []);
                });
        });
    });
})();
